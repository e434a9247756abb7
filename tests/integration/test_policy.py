"""The policy guard with real tools: `opa test` over every rule, the policy_check module with the
real opa (a deliberately bad Deployment fails with all three violations named, good manifests pass,
bad input is refused with one clear message), the ConstraintTemplates accepted by the lab's real
API server (Gatekeeper's CRD), and `gator verify` - Gatekeeper's own engine - over the templates
and constraints the policy role rendered. The lab runs no Gatekeeper controller, so Constraints
are rendered and verified offline, not enforced (README, "Policies")."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import require

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICIES = os.path.join(ROOT, "roles", "policy", "files")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "policy")
KINDS = ["k8sallowedrepos", "k8scontainerlimits", "k8sdisallowedtags", "k8spsphostfilesystem",
         "k8spspprivilegedcontainer"]


def objects(*names):
    return json.dumps({"files": [os.path.join(DATA, "objects", n + ".yaml") for n in names]})


def check(run_playbook, tmp_path, *names, expect_ok=True):
    result = tmp_path / "result.json"
    proc = run_playbook("policy_check", check=expect_ok, extra_vars={"result_file": str(result)},
                        extra_args=["-e", objects(*names)])
    return proc, (json.loads(result.read_text()) if result.exists() else None)


def test_opa_unit_tests_cover_every_rule(lab):
    require(lab, "OPA_BINARY")
    proc = subprocess.run([lab["OPA_BINARY"], "test", POLICIES, "-v"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith("PASS: ") and int(summary.split("/")[-1]) >= 25, summary
    for package in KINDS + ["berth.check", "lib.berth.workload"]:
        assert "data.%s_test." % package in proc.stdout


def test_bad_deployment_fails_with_all_three_violations(lab, run_playbook, tmp_path):
    require(lab, "OPA_BINARY")
    proc, dummy = check(run_playbook, tmp_path, "bad-deployment", expect_ok=False)
    assert proc.returncode != 0
    assert "3 policy violation(s) in 1 object(s):" in proc.stdout
    for line in (
            'Deployment/team-a/web: container app: image harbor.example.com/team-b/web:latest is not from an '
            'allowed repository [\\"harbor.example.com/team-a/\\", \\"harbor.example.com/platform/\\"]',
            "Deployment/team-a/web: container app: image harbor.example.com/team-b/web:latest uses the disallowed tag latest",
            "Deployment/team-a/web: container app: resources requests.cpu, requests.memory, limits.cpu, limits.memory not set"):
        assert line in proc.stdout, proc.stdout[-3000:]


def test_good_manifests_pass_and_the_rest_is_named(lab, run_playbook, tmp_path):
    require(lab, "OPA_BINARY")
    dummy, result = check(run_playbook, tmp_path, "good-deployment", "harbor-core")
    assert result["changed"] is False and result["checked"] == 2 and result["violations"] == []
    assert result["msg"] == "2 object(s) checked, no violation"
    proc, dummy = check(run_playbook, tmp_path, "good-deployment", "privileged-pod", "big-cronjob", expect_ok=False)
    assert "3 policy violation(s) in 3 object(s):" in proc.stdout
    for line in ("Pod/team-a/debug: container shell: privileged containers are not allowed",
                 "Pod/team-a/debug: volume host: hostPath / is not allowed",
                 "CronJob/team-a/report: container report: cpu limit 8 is above the maximum 4"):
        assert line in proc.stdout


@pytest.mark.parametrize("case, message", [
    ({"constraints": [{"kind": "K8sNoSuchRule", "name": "x"}]}, "value of kind must be one of"),
    ({"constraints": [{"kind": "K8sAllowedRepos"}]}, "missing required arguments: name"),
    ({"constraints": [], "manifest_text": "a: [b"}, "manifest_text is not valid YAML"),
    ({"constraints": [], "manifests": [{"metadata": {"name": "x"}}]}, "manifests[0] is not a Kubernetes object"),
    ({"constraints": [], "manifest_files": ["/nonexistent.yaml"]}, "cannot read /nonexistent.yaml"),
    ({"constraints": [], "policy_dir": "/tmp"}, "holds no check.rego"),
    ({"constraints": [], "opa_binary": "/nonexistent/opa"}, "opa executable /nonexistent/opa not found"),
    # issue 24: a check of nothing used to pass ("0 object(s) checked, no violation")
    ({"constraints": []}, "no manifests to check: set manifests, manifest_text or manifest_files"),
    ({"constraints": [], "manifest_text": "---\n# an empty render\n"}, "manifest_text holds no Kubernetes object"),
])
def test_bad_input_is_refused_with_one_clear_message(lab, run_playbook, case, message):
    case.setdefault("policy_dir", POLICIES)
    proc = run_playbook("policy_check_bad_input", check=False, extra_args=["-e", json.dumps({"case": case})])
    assert proc.returncode != 0 and message in proc.stdout, proc.stdout[-2000:]


def test_templates_accepted_by_the_api_server_and_verified_by_gator(lab, run_playbook, tmp_path):
    require(lab, "K8S_EAST_KUBECONFIG", "GATOR")
    work = tmp_path / "suite"
    shutil.copytree(DATA, work)
    first = run_playbook("policy_render", extra_vars={"dest": str(work / "rendered")})
    second = run_playbook("policy_render", extra_vars={"dest": str(work / "rendered")})
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
    assert "changed=" in first.stdout

    from kubernetes import client, config
    api = client.CustomObjectsApi(config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))
    stored = api.list_cluster_custom_object("templates.gatekeeper.sh", "v1", "constrainttemplates",
                                            label_selector="app.kubernetes.io/managed-by=berth.platform")["items"]
    assert sorted(t["metadata"]["name"] for t in stored) == KINDS
    repos = [t for t in stored if t["metadata"]["name"] == "k8sallowedrepos"][0]
    with open(os.path.join(POLICIES, "k8sallowedrepos.rego")) as handle:
        assert repos["spec"]["targets"][0]["rego"] == handle.read().rstrip("\n")  # one source
    assert sorted(os.listdir(work / "rendered" / "constraints")) == [
        "k8sallowedrepos-berth-harbor.yaml", "k8sallowedrepos-team-a.yaml", "k8scontainerlimits-berth-teams.yaml",
        "k8sdisallowedtags-berth-platform.yaml", "k8spsphostfilesystem-berth-platform.yaml",
        "k8spspprivilegedcontainer-berth-platform.yaml"]

    verified = subprocess.run([lab["GATOR"], "verify", ".", "-v"], cwd=str(work), capture_output=True, text=True,
                              check=False)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr
    assert verified.stdout.count("--- PASS") >= 20 and "FAIL" not in verified.stdout
