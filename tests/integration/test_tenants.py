"""The tenant role and playbooks/tenants.yml, rotate_robot_secrets.yml and offboard_team.yml against
the lab with the multi-cluster inventory playbooks/inventories/lab (east: teams A and B, west: B
and C), read back from both kube-apiservers and the real harbor-core.

Proves: each cluster gets exactly its own namespaces, Secrets and robots; a rerun changes nothing on
either host; --check --diff with a changed inventory (a team added, a quota changed) reports exactly
those changes and writes nothing; the pull Secret pulls and the push Secret pushes with skopeo
(digests equal, the pull credentials refused for a push); after the rotation the old secrets are
refused by Harbor's token service and every Secret holds a working one; offboarding team C revokes
its robots, removes its Secrets from west and keeps the project, and purge removes project and
namespace; no robot secret appears in -vvv output.

Harbor's auth mode is shared with other tests (db_auth unless one of them holds
/tmp/harbor-authmode.lock): the teams' OIDC user groups are created beforehand over the API, so
harbor_project_member finds them in any auth mode (in db_auth Harbor refuses to create an unknown
OIDC group). Team names carry a uuid suffix (BERTH_LAB_SUFFIX).
"""

import base64
import json
import os
import shutil
import uuid

import pytest
import yaml

from conftest import require
from harbor_api import HarborApi, pull, push, skopeo
from harbor_fixtures import create_group
from lab_kube import scratch_namespace
from lab_node import PULL_FAILURES, deploy, pod_outcome, pull_events, push_workload_image, restart

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "playbooks", "inventories", "lab")
PLAYBOOKS = os.path.join("..", "..", "..", "playbooks")
MANAGED = "app.kubernetes.io/managed-by=berth.platform"
GIB = 1024 ** 3


def kube(lab, cluster):
    from kubernetes import config
    return config.new_client_from_config(lab["K8S_%s_KUBECONFIG" % cluster.upper()])


def core(lab, cluster):
    from kubernetes import client
    return client.CoreV1Api(kube(lab, cluster))


def recap(proc):
    """{host: {ok: n, changed: n, failed: n, ...}} from the PLAY RECAP."""
    stats = {}
    for line in proc.stdout.split("PLAY RECAP")[-1].splitlines():
        if ":" in line and "ok=" in line:
            host, rest = line.split(":", 1)
            stats[host.strip()] = dict((k, int(v)) for k, v in (p.split("=") for p in rest.split()))
    return stats


def docker_credentials(lab, cluster, namespace):
    """{secret name: (username, password)} of the managed docker config Secrets of a namespace."""
    creds = {}
    for secret in core(lab, cluster).list_namespaced_secret(namespace, label_selector=MANAGED).items:
        key = "config.json" if secret.type == "Opaque" else ".dockerconfigjson"
        auths = json.loads(base64.b64decode(secret.data[key]))["auths"]
        assert list(auths) == [lab["HARBOR_HOST"]]
        entry = auths[lab["HARBOR_HOST"]]
        creds[secret.metadata.name] = (entry["username"], entry["password"])
    return creds


def changed_inventory(tmp_path, cluster, edit):
    """A copy of the lab inventory whose ``cluster`` has ``edit(berth_teams)`` applied."""
    inventory = tmp_path / "lab"
    shutil.copytree(INVENTORY, inventory)
    cluster_vars = inventory / "group_vars" / ("cluster_%s.yml" % cluster)
    data = yaml.safe_load(cluster_vars.read_text())
    edit(data["berth_teams"])
    cluster_vars.write_text(yaml.safe_dump(data))
    return inventory


def changed_tasks(proc):
    """[(host, task name)] of every task that reported a change."""
    found = []
    for block in proc.stdout.split("\nTASK [")[1:]:
        name = block.split("]", 1)[0].split(" : ", 1)[-1]
        for line in block.splitlines():
            if line.startswith("changed: ["):
                found.append((line[len("changed: ["):].split("]", 1)[0], name))
    return found


class Tenants:
    def __init__(self, lab, run_playbook):
        self.lab = lab
        self.run_playbook = run_playbook
        self.suffix = uuid.uuid4().hex[:8]
        self.names = dict((t, "team-%s-%s" % (t, self.suffix)) for t in "abcd")
        self.api = HarborApi(lab)
        self.groups = []

    def run(self, playbook, inventory=INVENTORY, extra=None, verbosity=0, args=()):
        # The per-object form of the role (tenant_bulk: false); the bulk form is tested by test_site,
        # test_drift_report and test_tenants_bulk.
        extra_args = ["-i", inventory, "-e", "tenant_bulk=false"] + list(args)
        if extra:
            extra_args += ["-e", json.dumps(extra)]
        return self.run_playbook(os.path.join(PLAYBOOKS, playbook), verbosity=verbosity,
                                 extra_args=extra_args, env_overrides={"BERTH_LAB_SUFFIX": "-" + self.suffix})

    def namespaces(self, cluster):
        items = core(self.lab, cluster).list_namespace(label_selector=MANAGED).items
        return sorted(n.metadata.name for n in items if n.metadata.name.endswith(self.suffix))

    def secrets(self, cluster, team):
        items = core(self.lab, cluster).list_namespaced_secret(self.names[team], label_selector=MANAGED).items
        return dict((s.metadata.name, s) for s in items)

    def credentials(self, cluster, team):
        return docker_credentials(self.lab, cluster, self.names[team])

    def all_credentials(self):
        return dict(((cluster, team, name), cred) for cluster, teams in (("east", "ab"), ("west", "bc"))
                    for team in teams for name, cred in self.credentials(cluster, team).items())

    def robots(self, team):
        project = self.api.project(self.names[team])
        if project is None:
            return None
        return sorted(r["name"].split("+", 1)[1]
                      for r in self.api.robots("Level=project,ProjectID=%d" % project["project_id"]))


@pytest.fixture(scope="module")
def tenants(lab, run_playbook):
    require(lab, "HARBOR_URL", "HARBOR_HOST", "HARBOR_CERT_DIR", "K8S_EAST_KUBECONFIG", "K8S_WEST_KUBECONFIG",
            "SKOPEO")
    t = Tenants(lab, run_playbook)
    try:
        # The OIDC groups Harbor would create at a member's first login (oidc_auth), made beforehand.
        for group in (t.names["a"], t.names["a"] + "-admins", t.names["b"], t.names["c"], t.names["d"]):
            t.groups.append(create_group(t.api, group, group_type=3))
        t.first = t.run("tenants")
        yield t
    finally:
        for name in t.names.values():
            t.api.delete_project(name)
        for group_id in t.groups:
            t.api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))
        for cluster in ("east", "west"):
            api = core(lab, cluster)
            for name in t.names.values():
                try:  # namespace deletion is asynchronous (controller-manager); not waited for
                    api.delete_namespace(name)
                except Exception:  # pylint: disable=broad-except
                    pass


def test_each_cluster_gets_exactly_its_own_teams(tenants):
    t, n = tenants, tenants.names
    assert recap(t.first)["east"]["failed"] == 0 and recap(t.first)["west"]["failed"] == 0
    assert t.namespaces("east") == [n["a"], n["b"]]
    assert t.namespaces("west") == [n["b"], n["c"]]
    ns = core(t.lab, "east").read_namespace(n["a"])
    assert ns.metadata.labels["berth.platform/team"] == n["a"]
    assert ns.metadata.annotations["berth.platform/display-name"] == "Team A"

    assert sorted(t.secrets("east", "a")) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]
    assert t.secrets("east", "a")["harbor-push"].type == "Opaque"
    assert t.secrets("east", "a")["harbor-pull"].type == "kubernetes.io/dockerconfigjson"
    assert sorted(t.secrets("east", "b")) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]
    assert sorted(t.secrets("west", "b")) == ["harbor-pull"]  # push robot turned off on west
    assert sorted(t.secrets("west", "c")) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]
    creds = t.all_credentials()
    assert creds[("east", "a", "harbor-pull")][0] == "robot$%s+pull-east" % n["a"]
    assert creds[("west", "b", "harbor-pull")][0] == "robot$%s+pull-west" % n["b"]
    assert creds[("east", "a", "harbor-push")] == creds[("east", "a", "harbor-push-dockerconfig")]

    # The pull secret on the team's ServiceAccounts (team B: default and builder), never the push one.
    for cluster, team, accounts in (("east", "a", ["default"]), ("west", "b", ["builder", "default"])):
        sas = core(t.lab, cluster).list_namespaced_service_account(n[team]).items
        linked = sorted(sa.metadata.name for sa in sas
                        if "harbor-pull" in [s.name for s in sa.image_pull_secrets or []])
        assert linked == accounts
        assert all("harbor-push-dockerconfig" not in [s.name for s in sa.image_pull_secrets or []] for sa in sas)

    # One robot pair per cluster; team B has east's pull and push and west's pull only.
    assert t.robots("a") == ["pull-east", "push-east"]
    assert t.robots("b") == ["pull-east", "pull-west", "push-east"]
    assert t.robots("c") == ["pull-west", "push-west"]
    for (cluster, team, dummy), (user, password) in creds.items():
        assert t.api.token_subject(user, password) == user  # scope-less: Harbor authenticated the robot

    project = t.api.project(n["a"])
    assert project["metadata"]["public"] == "false"
    quota = t.api.get("/quotas", reference="project", reference_id=project["project_id"])[0]
    assert quota["hard"]["storage"] == GIB
    members = dict((m["entity_name"], m["role_name"])
                   for m in t.api.get("/projects/%s/members" % n["a"]) if m["entity_type"] == "g")
    assert members == {n["a"]: "developer", n["a"] + "-admins": "projectAdmin"}
    assert t.api.project(n["d"]) is None


def test_rerun_changes_nothing_and_shows_no_secret(tenants):
    t = tenants
    before = t.all_credentials()
    proc = t.run("tenants", verbosity=3)
    stats = recap(proc)
    assert stats["east"]["changed"] == 0 and stats["west"]["changed"] == 0, changed_tasks(proc)
    assert t.all_credentials() == before
    output = proc.stdout + proc.stderr + t.first.stdout
    for dummy, password in before.values():
        assert password not in output


def test_check_diff_with_a_changed_inventory_shows_the_changes_and_writes_nothing(tenants, tmp_path):
    t, n = tenants, tenants.names

    def edit(teams):
        teams[0]["quota"] = "3GiB"
        teams.append({"name": "Team D{{ berth_lab_suffix }}", "quota": "1GiB"})

    inventory = changed_inventory(tmp_path, "east", edit)
    before = t.all_credentials()

    proc = t.run("tenants", inventory=str(inventory), args=["--check", "--diff"])
    assert sorted(changed_tasks(proc)) == sorted([
        ("east", "Harbor project %s" % n["a"]),
        ("east", "Namespace %s" % n["d"]),
        ("east", "Harbor project %s" % n["d"]),
        # Gatekeeper on east (policy role): team D's allowed-repository Constraint, and its
        # namespace added to the four shared ones.
    ] + [("east", "Constraints")] * 5)
    diff = proc.stdout.split("TASK [berth.platform.tenant : Harbor project %s]" % n["a"])[1].split("TASK [")[0]
    assert "storage_quota" in diff and str(GIB) in diff and str(3 * GIB) in diff

    # Nothing written.
    assert t.namespaces("east") == [n["a"], n["b"]]
    assert t.api.project(n["d"]) is None
    project = t.api.project(n["a"])
    assert t.api.get("/quotas", reference="project", reference_id=project["project_id"])[0]["hard"]["storage"] == GIB
    assert t.all_credentials() == before


def test_pull_secret_pulls_and_push_secret_pushes(tenants, tmp_path):
    t, lab = tenants, tenants.lab
    creds = t.credentials("east", "a")
    image = "%s/app:v1" % t.names["a"]

    # The Secrets' own files as skopeo auth files: config.json (CI) pushes, .dockerconfigjson pulls.
    secrets = t.secrets("east", "a")
    push_auth, pull_auth = tmp_path / "push.json", tmp_path / "pull.json"
    push_auth.write_bytes(base64.b64decode(secrets["harbor-push"].data["config.json"]))
    pull_auth.write_bytes(base64.b64decode(secrets["harbor-pull"].data[".dockerconfigjson"]))
    pushed, digest = push(lab, tmp_path, image, *creds["harbor-push"])
    assert pushed.returncode == 0, pushed.stderr
    pulled_dir = tmp_path / "pulled"
    pulled = skopeo(lab, "copy", "--src-authfile", str(pull_auth), "--src-cert-dir", lab["HARBOR_CERT_DIR"],
                    "docker://%s/%s" % (lab["HARBOR_HOST"], image), "oci:%s:v1" % pulled_dir)
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads((pulled_dir / "index.json").read_text())["manifests"][0]["digest"] == digest
    # Also pushed with the config.json Secret as auth file.
    again = skopeo(lab, "copy", "--src-authfile", str(pull_auth), "--dest-authfile", str(push_auth),
                   "--src-cert-dir", lab["HARBOR_CERT_DIR"], "--dest-cert-dir", lab["HARBOR_CERT_DIR"],
                   "docker://%s/%s" % (lab["HARBOR_HOST"], image),
                   "docker://%s/%s/copy:v1" % (lab["HARBOR_HOST"], t.names["a"]))
    assert again.returncode == 0, again.stderr

    denied = push(lab, tmp_path, "%s/other:v1" % t.names["a"], *creds["harbor-pull"])[0]
    assert denied.returncode != 0
    # The push-dockerconfig variant holds the same push credentials.
    assert creds["harbor-push-dockerconfig"] == creds["harbor-push"]
    ok = pull(lab, tmp_path, image, *creds["harbor-push-dockerconfig"])[0]
    assert ok.returncode == 0, ok.stderr


def test_team_workload_pulls_with_the_collections_pull_secret(tenants):
    """East's real node pulls team A's private image for a Deployment that names no imagePullSecrets:
    the Secret comes from the `default` ServiceAccount the role linked. In team B's namespace the same
    Deployment is refused at admission (Gatekeeper, team B's repository Constraint); with team B's pull
    Secret, in a namespace no Constraint covers, Harbor refuses the pull (B's robot may not read A's
    project)."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    t, lab = tenants, tenants.lab
    require(lab, "NODE_NAME", "NODE_PAUSE_BINARY")
    api = kube(lab, "east")
    image = "%s/workload:v1" % t.names["a"]
    digest = push_workload_image(lab, image, ["--dest-creds", "%s:%s" % t.credentials("east", "a")["harbor-push"]])
    deploy(api, t.names["a"], "workload", "%s/%s" % (lab["HARBOR_HOST"], image))

    pod, state, message = pod_outcome(api, t.names["a"], "workload")
    assert state == "Running", message
    assert pod.spec.node_name == lab["NODE_NAME"]
    assert [s.name for s in pod.spec.image_pull_secrets] == ["harbor-pull"]
    assert pod.status.container_statuses[0].image_id.endswith(digest)

    with pytest.raises(ApiException) as refused:
        deploy(api, t.names["b"], "workload", "%s/%s" % (lab["HARBOR_HOST"], image))
    assert "[%s] container main: image %s/%s is not from an allowed repository" % (
        t.names["b"], lab["HARBOR_HOST"], image) in json.loads(refused.value.body)["message"]

    with scratch_namespace(api, "pull-b-") as namespace:
        secret = core(lab, "east").read_namespaced_secret("harbor-pull", t.names["b"])
        core(lab, "east").create_namespaced_secret(namespace, client.V1Secret(
            metadata=client.V1ObjectMeta(name="harbor-pull"), type=secret.type, data=secret.data))
        deploy(api, namespace, "workload", "%s/%s" % (lab["HARBOR_HOST"], image), pull_secrets=["harbor-pull"])
        pod, state, message = pod_outcome(api, namespace, "workload")
        assert state in PULL_FAILURES, state
        refused = " ".join([message] + pull_events(api, namespace, pod))
        assert "401 Unauthorized" in refused or "unauthorized" in refused.lower(), refused


def test_rotation_blue_green_in_both_clusters(tenants):
    t = tenants
    old = t.all_credentials()
    proc = t.run("rotate_robot_secrets", extra={"rotate_grace_seconds": 0}, verbosity=3)
    new = t.all_credentials()
    assert sorted(new) == sorted(old)
    output = proc.stdout + proc.stderr
    for key, (user, password) in old.items():
        assert new[key] != (user, password)
        # Scope-less (a scoped request gets 200 and an anonymous token for any credentials).
        assert t.api.token_subject(user, password) is None, key  # the old robot is gone
        assert t.api.token_subject(*new[key]) == new[key][0], key
        assert password not in output and new[key][1] not in output
    assert t.robots("a") == ["pull-east.a", "push-east.a"]
    assert t.robots("b") == ["pull-east.a", "pull-west.a", "push-east.a"]
    # The push Secrets of a team stay one credential.
    assert new[("east", "a", "harbor-push")] == new[("east", "a", "harbor-push-dockerconfig")]


def test_team_workload_still_pulls_after_rotation(tenants):
    """After rotate_robot_secrets.yml (the test above), a new pod of team A pulls with the new secret."""
    t, lab = tenants, tenants.lab
    require(lab, "NODE_NAME")
    api = kube(lab, "east")
    before = pod_outcome(api, t.names["a"], "workload")[0]
    restart(api, t.names["a"], "workload")
    pod, state, message = pod_outcome(api, t.names["a"], "workload")
    assert pod.metadata.uid != before.metadata.uid
    assert state == "Running", message


def test_offboard_team_c_then_purge(tenants):
    t, n = tenants, tenants.names
    team_c = "Team C-" + t.suffix
    proc = t.run("offboard_team", extra={"offboard_team": team_c})
    assert recap(proc)["west"]["failed"] == 0
    assert t.robots("c") == []
    assert t.secrets("west", "c") == {}
    assert t.api.project(n["c"]) is not None
    assert n["c"] in t.namespaces("west")
    sas = core(t.lab, "west").list_namespaced_service_account(n["c"]).items
    assert all("harbor-pull" not in [s.name for s in sa.image_pull_secrets or []] for sa in sas)
    # The other teams keep theirs.
    assert t.robots("b") == ["pull-east.a", "pull-west.a", "push-east.a"]

    t.run("offboard_team", extra={"offboard_team": team_c, "offboard_purge": True})
    assert t.api.project(n["c"]) is None
    ns = [x for x in core(t.lab, "west").list_namespace().items if x.metadata.name == n["c"]]
    assert ns == [] or ns[0].metadata.deletion_timestamp is not None  # gone or Terminating
    assert t.api.project(n["b"]) is not None
