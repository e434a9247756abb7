"""istio_harbor_security against the lab's real kube-apiserver with Istio's CRDs."""

from conftest import require


def test_istio_harbor_security_lifecycle(lab, run_playbook):
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_harbor_security")
    assert "failed=0" in proc.stdout
