"""Gatekeeper for real on east's node: playbooks/tenants.yml (the policy role, lab inventory) installs
the official chart with the manager image the lab built, applies the teams' Constraints and waits
until Gatekeeper's pods report them enforced; then the API server refuses a team's bad workloads with
Gatekeeper's message, exactly as policy_check (opa, the same Rego) judges them, admits a good one
that runs with the pull Secret, Gatekeeper's audit reports an object made before its Constraint
(drift.yml shows it), the documented failurePolicy (Ignore) admits while no webhook pod answers and
refuses again once one does, and a team dropped from the inventory loses its Constraint.

The Constraints are cluster objects shared by every run on east (the last tenants.yml run wins), so
this module leaves no violating object behind.
"""

import copy
import json
import os

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from conftest import require
from harbor_fixtures import create_group
from lab_kube import wait_until
from lab_node import gatekeeper_denials, pod_outcome, push_workload_image, workload
from test_tenants import INVENTORY, PLAYBOOKS, Tenants, changed_inventory, changed_tasks, kube, recap

GATEKEEPER_NS = "gatekeeper-system"
CONSTRAINTS = "constraints.gatekeeper.sh"
KINDS = ["K8sAllowedRepos", "K8sContainerLimits", "K8sDisallowedTags", "K8sPSPHostFilesystem",
         "K8sPSPPrivilegedContainer"]


def create(api, manifest):
    """(True, None) when the API server stored it, (False, message) when admission refused it."""
    try:
        client.AppsV1Api(api).create_namespaced_deployment(manifest["metadata"]["namespace"], manifest)
        return True, None
    except ApiException as exc:
        assert exc.status in (400, 403), exc
        return False, json.loads(exc.body)["message"]


def stored(api, namespace, name):
    try:
        client.AppsV1Api(api).read_namespaced_deployment(name, namespace)
        return True
    except ApiException as exc:
        assert exc.status == 404, exc
        return False


def remove(api, namespace, name):
    try:
        client.AppsV1Api(api).delete_namespaced_deployment(name, namespace, propagation_policy="Background")
    except ApiException as exc:
        assert exc.status == 404, exc


def constraints(api, kind):
    return client.CustomObjectsApi(api).list_cluster_custom_object(
        CONSTRAINTS, "v1beta1", kind.lower(), label_selector="app.kubernetes.io/managed-by=berth.platform")["items"]


def constraint(api, kind, name):
    return client.CustomObjectsApi(api).get_cluster_custom_object(CONSTRAINTS, "v1beta1", kind.lower(), name)


def webhook_ready(api):
    """Ready addresses of Gatekeeper's webhook Service."""
    slices = client.DiscoveryV1Api(api).list_namespaced_endpoint_slice(
        GATEKEEPER_NS, label_selector="kubernetes.io/service-name=gatekeeper-webhook-service").items
    return [a for s in slices for e in (s.endpoints or []) if e.conditions.ready for a in e.addresses]


def webhook_pods(api):
    """Gatekeeper's webhook pods, terminating ones included (kube-proxy still sends a Service's
    traffic to a terminating pod that serves when no other is ready)."""
    return client.CoreV1Api(api).list_namespaced_pod(GATEKEEPER_NS, label_selector="control-plane=controller-manager").items


def scale_webhook(api, replicas):
    client.AppsV1Api(api).patch_namespaced_deployment_scale(
        "gatekeeper-controller-manager", GATEKEEPER_NS, {"spec": {"replicas": replicas}})


def east_tenants(t, **kwargs):
    """tenants.yml on east only, every team in one task (tenant_bulk): the policy role runs after it."""
    return t.run("tenants", extra={"tenant_bulk": True}, args=["--limit", "east"], **kwargs)


@pytest.fixture(scope="module")
def gk(lab, run_playbook):
    require(lab, "HARBOR_URL", "K8S_EAST_KUBECONFIG", "NODE_NAME", "GATEKEEPER_IMAGE", "GATEKEEPER_CHART")
    t = Tenants(lab, run_playbook)
    t.east = kube(lab, "east")
    try:
        for group in (t.names["a"], t.names["a"] + "-admins", t.names["b"], t.names["c"]):
            t.groups.append(create_group(t.api, group, group_type=3))
        t.first = east_tenants(t)
        assert recap(t.first)["east"]["failed"] == 0, t.first.stdout[-4000:]
        yield t
    finally:
        scale_webhook(t.east, 1)
        for name in t.names.values():
            t.api.delete_project(name)
        for group_id in t.groups:
            t.api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))
        for cluster in ("east", "west"):
            for name in t.names.values():
                try:
                    client.CoreV1Api(kube(lab, cluster)).delete_namespace(name)
                except ApiException:
                    pass


def test_tenants_installs_gatekeeper_on_the_node_and_waits_until_every_constraint_is_enforced(gk):
    t, lab, n = gk, gk.lab, gk.names
    pods = client.CoreV1Api(t.east).list_namespaced_pod(GATEKEEPER_NS).items
    assert sorted(p.metadata.labels["control-plane"] for p in pods) == ["audit-controller", "controller-manager"]
    for pod in pods:
        assert pod.status.phase == "Running" and pod.spec.node_name == lab["NODE_NAME"]
        assert pod.spec.containers[0].image == "%s:%s" % (lab["GATEKEEPER_IMAGE"], lab["GATEKEEPER_VERSION"])
    # Exempt: Gatekeeper's namespace and kube-system, by label (the webhook is not even called).
    for ns in (GATEKEEPER_NS, "kube-system"):
        assert "admission.gatekeeper.sh/ignore" in client.CoreV1Api(t.east).read_namespace(ns).metadata.labels
    webhook = client.AdmissionregistrationV1Api(t.east).read_validating_webhook_configuration(
        "gatekeeper-validating-webhook-configuration").webhooks[0]
    assert webhook.failure_policy == "Ignore"

    mine = dict((c["metadata"]["name"], c) for c in constraints(t.east, "K8sAllowedRepos"))
    assert sorted(mine) == [n["a"], n["b"]]
    assert mine[n["a"]]["spec"]["parameters"]["repos"] == ["%s/%s/" % (lab["HARBOR_HOST"], n["a"])]
    for kind in KINDS:
        for item in constraints(t.east, kind):
            by_pod = item["status"]["byPod"]
            assert any("webhook" in p["operations"] for p in by_pod), (kind, item["status"])
            assert all(p["enforced"] and p["observedGeneration"] == item["metadata"]["generation"]
                       for p in by_pod), (kind, item["status"])
    # West has no node: its API server validates the templates, and no Gatekeeper makes Constraint kinds.
    crds = client.ApiextensionsV1Api(kube(lab, "west")).list_custom_resource_definition().items
    assert not [c.metadata.name for c in crds if c.metadata.name.endswith("." + CONSTRAINTS)]

    proc = east_tenants(t)
    assert recap(proc)["east"]["changed"] == 0, changed_tasks(proc)


BAD = [
    # (name, what is wrong, image, more manifest arguments)
    ("elsewhere", "an image outside team A's project", "docker.io/library/nginx:1.27", {}),
    ("latest", "the :latest tag", "{harbor}/{team}/web:latest", {}),
    ("privileged", "a privileged container", "{harbor}/{team}/web:v1", {"privileged": True}),
    ("nolimits", "no requests or limits", "{harbor}/{team}/web:v1", {"resources": False}),
    ("hostpath", "a hostPath volume", "{harbor}/{team}/web:v1", {"host_path": True}),
]


def test_bad_workloads_are_refused_at_admission_as_policy_check_judges_them(gk, run_playbook, tmp_path):
    t, lab, team = gk, gk.lab, gk.names["a"]
    manifests = []
    for name, dummy, image, options in BAD:
        manifests.append(workload(team, name, image.format(harbor=lab["HARBOR_HOST"], team=team), **options))

    refused = {}
    for manifest, (name, what, dummy, dummy) in zip(manifests, BAD):
        admitted, message = create(t.east, copy.deepcopy(manifest))
        assert not admitted, "%s was admitted" % what
        assert 'admission webhook "validation.gatekeeper.sh" denied the request' in message, message
        assert not stored(t.east, team, name), what
        refused[name] = gatekeeper_denials(message)
    assert {c for c, dummy in refused["elsewhere"]} == {team}
    assert {c for c, dummy in refused["latest"]} == {"berth-platform"}
    assert {c for c, dummy in refused["privileged"]} == {"berth-platform"}
    assert {c for c, dummy in refused["nolimits"]} == {"berth-teams"}
    assert {c for c, dummy in refused["hostpath"]} == {"berth-platform"}

    # One Rego source, one verdict: the policy role's check entry point (opa) on the same manifests,
    # with east's constraints from the same inventory, names the same Constraints and messages.
    result = tmp_path / "check.json"
    proc = run_playbook("policy_check_cluster", check=False, extra_args=[
        "-i", INVENTORY, "--limit", "east", "-e", json.dumps({"manifests": manifests, "result_file": str(result)})],
        env_overrides={"BERTH_LAB_SUFFIX": "-" + t.suffix})
    assert result.exists(), proc.stdout[-3000:]
    judged = {}
    for v in json.loads(result.read_text())["violations"]:
        judged.setdefault(v["name"], set()).add((v["constraint"].split("/", 1)[1], v["message"]))
    assert judged == refused


def test_a_good_workload_is_admitted_and_runs_with_the_pull_secret(gk):
    t, lab, team = gk, gk.lab, gk.names["a"]
    image = "%s/policy-ok:v1" % team
    push_workload_image(lab, image, ["--dest-creds", "%s:%s" % t.credentials("east", "a")["harbor-push"]])
    admitted, message = create(t.east, workload(team, "policy-ok", "%s/%s" % (lab["HARBOR_HOST"], image)))
    assert admitted, message
    pod, state, message = pod_outcome(t.east, team, "policy-ok")
    assert state == "Running", message
    assert [s.name for s in pod.spec.image_pull_secrets] == ["harbor-pull"]


def test_audit_reports_an_object_made_before_its_constraint_and_drift_shows_it(gk, tmp_path):
    t, lab, team = gk, gk.lab, gk.names["a"]
    api = client.CustomObjectsApi(t.east)
    # The object first: team A's repository Constraint is deleted, a Deployment of the lab's probe
    # image (tagged, limited - only the repository rule is broken) admitted, then tenants.yml puts
    # the Constraint back.
    api.delete_cluster_custom_object(CONSTRAINTS, "v1beta1", "k8sallowedrepos", team)
    assert wait_until(lambda: create(t.east, workload(team, "legacy", lab["NODE_PROBE_IMAGE"]))[0], 30, 1)
    try:
        proc = east_tenants(t)
        assert ("east", "Constraints") in changed_tasks(proc)

        def audited():
            status = constraint(t.east, "K8sAllowedRepos", team).get("status", {})
            named = [v for v in status.get("violations", []) if v["name"] == "legacy"]
            return status if status.get("totalViolations", 0) >= 1 and named else None
        status = wait_until(audited, 60, 2)
        assert status, constraint(t.east, "K8sAllowedRepos", team).get("status")
        found = [v for v in status["violations"] if v["name"] == "legacy"][0]
        assert (found["kind"], found["namespace"], found["enforcementAction"]) == ("Deployment", team, "deny")

        # drift.yml: the violation is a row of the report, and the play fails (exit 2) on it.
        report = tmp_path / "drift.json"
        proc = t.run_playbook(os.path.join(PLAYBOOKS, "drift"), check=False, extra_args=[
            "-i", INVENTORY, "-e", "drift_report=%s" % report], env_overrides={"BERTH_LAB_SUFFIX": "-" + t.suffix})
        assert proc.returncode == 2, proc.stdout[-3000:]
        rows = json.loads(report.read_text())["rows"]
        assert {"cluster": "east", "team": team, "namespace": team, "object": "Deployment/legacy",
                "action": "violates K8sAllowedRepos/%s (deny): %s" % (team, found["message"])} in rows, rows
    finally:
        remove(t.east, team, "legacy")


def test_failure_policy_ignore_admits_while_no_webhook_pod_answers(gk):
    t, lab, team = gk, gk.lab, gk.names["a"]
    bad = workload(team, "while-down", "%s/%s/web:v1" % (lab["HARBOR_HOST"], team), privileged=True)
    try:
        scale_webhook(t.east, 0)
        assert wait_until(lambda: not webhook_pods(t.east), 90, 0.5), "the webhook pod did not go away"
        admitted, message = create(t.east, copy.deepcopy(bad))
        assert admitted, message  # failurePolicy Ignore: the API server admits it unjudged
        assert stored(t.east, team, "while-down")
    finally:
        scale_webhook(t.east, 1)
        remove(t.east, team, "while-down")
    assert wait_until(lambda: webhook_ready(t.east), 120, 1), "the webhook pod did not come back"

    def refused_again():
        admitted, message = create(t.east, dict(copy.deepcopy(bad), metadata={"name": "after", "namespace": team}))
        if admitted:
            remove(t.east, team, "after")
            return None
        return message
    message = wait_until(refused_again, 60, 2)
    assert message and "[berth-platform]" in message, message
    assert not stored(t.east, team, "after")


def test_a_team_dropped_from_the_inventory_loses_its_constraints(gk, tmp_path):
    """(That a rerun changes nothing is the first test's last step.)"""
    t, n = gk, gk.names
    inventory = changed_inventory(tmp_path, "east", lambda teams: teams.pop(1))  # team B leaves east
    proc = east_tenants(t, inventory=str(inventory))
    assert recap(proc)["east"]["failed"] == 0, proc.stdout[-3000:]
    assert sorted(c["metadata"]["name"] for c in constraints(t.east, "K8sAllowedRepos")) == [n["a"]]
    shared = constraint(t.east, "K8sDisallowedTags", "berth-platform")
    assert shared["spec"]["match"]["namespaces"] == [n["a"]]
