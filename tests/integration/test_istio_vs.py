"""istio_vs against the lab's real kube-apiserver with Istio's CRDs (playbooks/istio_vs.yml)."""

from conftest import require


def test_istio_vs_lifecycle(lab, run_playbook):
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_vs")
    assert "failed=0" in proc.stdout
