"""registry_pull_secret against the lab's kube-apiserver, and the secrets it writes
proven against the lab's real registry with skopeo."""

import base64
import json
import subprocess
import uuid

import pytest
from kubernetes import client, config

from conftest import require
from lab_kube import create_namespace, delete_namespace
from oci_layout import write_oci_layout


def test_lifecycle_and_no_secret_in_verbose_output(lab, run_playbook):
    (password,) = require(lab, "REGISTRY_PASSWORD")
    require(lab, "K8S_EAST_KUBECONFIG", "REGISTRY_HOST")
    proc = run_playbook("registry_pull_secret", verbosity=3)
    output = proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout
    for form in (password, password + "-rotated",
                 base64.b64encode(("berth:" + password).encode()).decode()):
        assert form not in output


@pytest.fixture
def namespace(lab):
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    api = config.new_client_from_config(config_file=kubeconfig)
    name = "it-skopeo-" + uuid.uuid4().hex[:8]
    create_namespace(api, name)
    yield api, name
    delete_namespace(api, name)


def authfile(api, namespace, name, key, path):
    secret = client.CoreV1Api(api).read_namespaced_secret(name, namespace)
    path.write_bytes(base64.b64decode(secret.data[key]))
    return str(path)


def skopeo(lab, *args):
    return subprocess.run([lab["SKOPEO"]] + list(args), capture_output=True, text=True, check=False)


def test_push_with_config_json_secret_and_pull_with_pull_secret(lab, run_playbook, namespace, tmp_path):
    api, ns = namespace
    host, cert_dir, dummy = require(lab, "REGISTRY_HOST", "REGISTRY_CERT_DIR", "SKOPEO")
    run_playbook("registry_secrets_for_skopeo", extra_vars={"ns": ns})

    push_auth = authfile(api, ns, "ci-push", "config.json", tmp_path / "push.json")
    pull_auth = authfile(api, ns, "team-pull", ".dockerconfigjson", tmp_path / "pull.json")
    wrong_auth = authfile(api, ns, "wrong-pull", ".dockerconfigjson", tmp_path / "wrong.json")
    image = "docker://%s/team-a/hello:%s" % (host, uuid.uuid4().hex[:6])

    src = tmp_path / "src"
    write_oci_layout(src)
    pushed = skopeo(lab, "copy", "--dest-authfile", push_auth, "--dest-cert-dir", cert_dir,
                    "oci:%s:v1" % src, image)
    assert pushed.returncode == 0, pushed.stderr

    pulled_dir = tmp_path / "pulled"
    pulled = skopeo(lab, "copy", "--src-authfile", pull_auth, "--src-cert-dir", cert_dir,
                    image, "oci:%s:v1" % pulled_dir)
    assert pulled.returncode == 0, pulled.stderr
    src_index = json.loads((src / "index.json").read_text())
    dst_index = json.loads((pulled_dir / "index.json").read_text())
    assert dst_index["manifests"][0]["digest"] == src_index["manifests"][0]["digest"]

    denied = skopeo(lab, "inspect", "--authfile", wrong_auth, "--cert-dir", cert_dir, image)
    assert denied.returncode != 0 and "unauthorized" in denied.stderr.lower()


def test_config_json_secret_is_never_linked_and_a_link_is_refused(lab, run_playbook, namespace):
    """Issue 12: secret_type config_json with service_accounts used to link nothing, silently."""
    api, ns = namespace
    require(lab, "REGISTRY_HOST", "REGISTRY_PASSWORD")
    proc = run_playbook("registry_pull_secret_config_json", extra_vars={"ns": ns}, verbosity=3)
    assert "failed=0" in proc.stdout
    assert lab["REGISTRY_PASSWORD"] not in proc.stdout + proc.stderr
    core = client.CoreV1Api(api)
    accounts = core.list_namespaced_service_account(ns).items
    assert "builder" not in [a.metadata.name for a in accounts]  # never created for a refused link
    assert all("ci-push" not in [s.name for s in a.image_pull_secrets or []] for a in accounts)
    assert [s.metadata.name for s in core.list_namespaced_secret(ns).items
            if s.metadata.name == "ci-push"] == []
