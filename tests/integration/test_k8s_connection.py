"""Kubernetes connection failures through the modules, against the lab's real kube-apiserver
(issue 12, defect 6): a wrong CA is a TLS error naming ca_cert/validate_certs, a rejected
token a 401 naming api_key/kubeconfig; the token never shows in -vvv output.

Each case runs twice: with an empty discovery cache (the kubernetes client's first request
is discovery) and with a warm one (the first request is the object's own)."""

import secrets
import subprocess

import pytest

from conftest import require


@pytest.fixture
def wrong_ca(tmp_path):
    key, cert = tmp_path / "other-ca.key", tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=not the lab CA", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert)


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_wrong_ca_and_bad_token_fail_clearly(lab, run_playbook, wrong_ca, tmp_path, cache):
    require(lab, "K8S_EAST_KUBECONFIG", "K8S_EAST_URL", "LAB_CA")
    cache_dir = tmp_path / "discovery"
    cache_dir.mkdir()
    env = {"TMPDIR": str(cache_dir)}  # where the kubernetes client keeps its discovery cache
    if cache == "warm":
        warm = run_playbook("istio_port_names_read", env_overrides=env)
        assert "failed=0" in warm.stdout and list(cache_dir.glob("osrcp-*.json"))
    token = "bad-" + secrets.token_urlsafe(16)
    proc = run_playbook("k8s_connection_errors", extra_vars={"wrong_ca": wrong_ca, "bad_token": token},
                        verbosity=3, env_overrides=env)
    assert "failed=0" in proc.stdout
    assert token not in proc.stdout + proc.stderr
