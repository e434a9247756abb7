"""A field dropped from a module's options is removed on the server, as server-side apply means
(issue 24): ManifestAdapter compares against the fields its manager owns, not only the fields it
is given. Read back from the lab's east API server."""

import json
import uuid

from conftest import require


def vs(lab, ns):
    from kubernetes import client, config
    api = client.CustomObjectsApi(config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))
    return api.get_namespaced_custom_object("networking.istio.io", "v1", ns, "virtualservices", "dropped")


def test_dropped_label_and_route_field_are_removed_and_a_rerun_is_unchanged(lab, run_playbook):
    require(lab, "K8S_EAST_KUBECONFIG")
    from kubernetes import client, config
    from lab_kube import create_namespace, delete_namespace
    core = client.CoreV1Api(config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))
    ns = "it-dropped-" + uuid.uuid4().hex[:6]
    create_namespace(core.api_client, ns)
    try:
        def run(labels, timeout=None, extra=()):
            variables = {"ns": ns, "labels": labels}
            if timeout:
                variables["timeout"] = timeout
            return run_playbook("istio_vs_dropped_field", extra_args=["-e", json.dumps(variables)] + list(extra))

        run({"team": "a", "tier": "gold"}, "30s")
        assert vs(lab, ns)["metadata"]["labels"] == {"team": "a", "tier": "gold"}
        assert vs(lab, ns)["spec"]["http"][0]["timeout"] == "30s"

        # Check mode sees the removal and writes nothing.
        check = run({"team": "a"}, extra=["--check", "--diff"])
        assert "changed=1" in check.stdout.split("PLAY RECAP")[-1], check.stdout[-2000:]
        assert vs(lab, ns)["metadata"]["labels"] == {"team": "a", "tier": "gold"}

        dropped = run({"team": "a"})
        assert "changed=1" in dropped.stdout.split("PLAY RECAP")[-1], dropped.stdout[-2000:]
        stored = vs(lab, ns)
        assert stored["metadata"]["labels"] == {"team": "a"}
        assert "timeout" not in stored["spec"]["http"][0]

        again = run({"team": "a"})
        assert "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-2000:]
    finally:
        delete_namespace(core.api_client, ns)
