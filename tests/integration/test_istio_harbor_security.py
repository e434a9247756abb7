"""istio_harbor_security against the lab's real kube-apiserver with Istio's CRDs: the lifecycle
(playbooks/istio_harbor_security.yml), the sidecar-injection check before anything is written, and
routes that name the Services of the real chart installed under two release names."""

import json
import subprocess
import uuid

import pytest

from conftest import require


def test_istio_harbor_security_lifecycle(lab, run_playbook):
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_harbor_security")
    assert "failed=0" in proc.stdout


# -- sidecar injection: the mesh must be in force before its policies are written --------

ISTIO_KINDS = [("networking.istio.io", "gateways"), ("networking.istio.io", "virtualservices"),
               ("networking.istio.io", "serviceentries"), ("security.istio.io", "peerauthentications"),
               ("security.istio.io", "requestauthentications"), ("security.istio.io", "authorizationpolicies")]


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


@pytest.fixture(scope="module")
def east(lab):
    from kubernetes import config
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    return config.new_client_from_config(config_file=kubeconfig)


@pytest.fixture
def namespaces(east):
    """Namespaces a test creates (``make(name, labels)``); deleted, and waited for, afterwards."""
    from kubernetes import client
    from lab_kube import delete_namespace
    made = []

    def make(name, labels=None):
        client.CoreV1Api(east).create_namespace({"metadata": {"name": name, "labels": labels or {}}})
        made.append(name)
        return name
    yield make
    for name in made:
        delete_namespace(east, name)


def call(run_playbook, tmp_path, args, check=False):
    """istio_harbor_security once; (result, playbook output)."""
    dest = tmp_path / ("result-%s.json" % uuid.uuid4().hex[:6])
    proc = run_playbook("istio_harbor_security_call", extra_args=[
        "-e", json.dumps({"args": args, "dest": str(dest), "check": check})])
    return json.loads(dest.read_text()), proc.stdout + proc.stderr


def security_args(ns, **extra):
    return dict(dict(namespace=ns, harbor_host="harbor.example.com", gateway={"tls_credential_name": "harbor-tls"}),
                **extra)


def stored(east, ns):
    """'Kind/name' of every Istio object in ``ns``, read from the API server."""
    from kubernetes import client
    custom = client.CustomObjectsApi(east)
    return sorted("%s/%s" % (o["kind"], o["metadata"]["name"]) for group, plural in ISTIO_KINDS
                  for o in custom.list_namespaced_custom_object(group, "v1", ns, plural)["items"])


def set_labels(east, ns, labels):
    from kubernetes import client
    client.CoreV1Api(east).patch_namespace(ns, {"metadata": {"labels": labels}})


def harbor_pod(east, ns, name, sidecar):
    """A Harbor pod as the API server stores it (the lab has no kubelet: it never runs, and the
    lab has no injector: the sidecar is there only when the spec names it)."""
    from kubernetes import client
    from lab_kube import default_service_account
    assert default_service_account(east, ns) is not None, "no default ServiceAccount in %s" % ns
    containers = [{"name": "core", "image": "example.invalid/harbor-core:v2.15.2"}]
    if sidecar:
        containers.append({"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.30.3"})
    client.CoreV1Api(east).create_namespaced_pod(ns, {
        "metadata": {"name": name, "labels": {"app": "harbor", "component": "core", "release": "harbor"}},
        "spec": {"containers": containers}})


def delete_pod(east, ns, name):
    from kubernetes import client
    client.CoreV1Api(east).delete_namespaced_pod(name, ns, grace_period_seconds=0)
    from lab_kube import wait_until

    def gone():
        return name not in [p.metadata.name for p in client.CoreV1Api(east).list_namespaced_pod(ns).items]
    assert wait_until(gone, 30), "pod %s still there" % name


def test_an_unlabelled_namespace_is_refused_and_nothing_is_written(lab, run_playbook, tmp_path, east, namespaces):
    ns = namespaces(unique("it-inj"))
    result, _out = call(run_playbook, tmp_path, security_args(ns))
    assert result["failed"]
    assert ("Istio is not in force for Harbor in namespace %s: namespace %s is not labelled for sidecar "
            "injection (neither istio-injection=enabled nor istio.io/rev)" % (ns, ns)) in result["msg"]
    assert "kubectl label namespace %s istio-injection=enabled" % ns in result["msg"]
    assert "kubectl rollout restart deployment,statefulset -n %s" % ns in result["msg"]
    assert stored(east, ns) == []

    # istio-injection=disabled wins over a revision label.
    set_labels(east, ns, {"istio-injection": "disabled", "istio.io/rev": "canary"})
    result, _out = call(run_playbook, tmp_path, security_args(ns))
    assert result["failed"] and "(istio-injection=disabled)" in result["msg"]
    assert stored(east, ns) == []

    # Only a warning when asked; the objects are written.
    result, out = call(run_playbook, tmp_path, security_args(ns, require_injection=False))
    assert not result.get("failed") and result["changed"], result
    assert "Istio is not in force for Harbor in namespace %s" % ns in out  # [WARNING]
    assert result["injection"]["in_force"] is False
    assert "VirtualService/harbor" in stored(east, ns)


@pytest.mark.parametrize("labels,shown", [({"istio-injection": "enabled"}, "istio-injection=enabled"),
                                          ({"istio.io/rev": "canary"}, "istio.io/rev=canary")])
def test_a_labelled_namespace_passes(lab, run_playbook, tmp_path, east, namespaces, labels, shown):
    ns = namespaces(unique("it-inj"), labels)
    result, _out = call(run_playbook, tmp_path, security_args(ns))
    assert not result.get("failed"), result.get("msg")
    assert result["injection"] == dict(checked=True, namespace=ns, namespace_exists=True, namespace_injection=True,
                                       namespace_label=shown, pod_selector="app=harbor", pods=0,
                                       pods_without_sidecar=[], in_force=True)
    assert "VirtualService/harbor" in stored(east, ns)


def test_a_pod_started_before_injection_is_named(lab, run_playbook, tmp_path, east, namespaces):
    ns = namespaces(unique("it-inj"), {"istio-injection": "enabled"})
    harbor_pod(east, ns, "harbor-core-old", sidecar=False)
    harbor_pod(east, ns, "harbor-core-new", sidecar=True)
    result, _out = call(run_playbook, tmp_path, security_args(ns))
    assert result["failed"]
    assert ("Harbor pods (app=harbor) without an istio-proxy sidecar - started before injection was enabled, "
            "or opted out: harbor-core-old.") in result["msg"]
    assert "harbor-core-new" not in result["msg"]
    assert "kubectl label" not in result["msg"]  # the namespace is labelled
    assert "kubectl rollout restart deployment,statefulset -n %s" % ns in result["msg"]
    assert stored(east, ns) == []

    # PERMISSIVE without JWT checks asks nothing of the sidecars: not checked.
    result, _out = call(run_playbook, tmp_path, security_args(ns, mtls_mode="PERMISSIVE", gateway={"enabled": False}))
    assert not result.get("failed") and result["injection"] == {"checked": False}, result
    call(run_playbook, tmp_path, security_args(ns, state="absent"))

    # Restarted with the sidecar: passes.
    delete_pod(east, ns, "harbor-core-old")
    result, _out = call(run_playbook, tmp_path, security_args(ns))
    assert not result.get("failed"), result.get("msg")
    assert result["injection"]["pods"] == 1 and result["injection"]["in_force"]
    assert "VirtualService/harbor" in stored(east, ns)


def test_check_mode_before_the_namespace_exists_warns(lab, run_playbook, tmp_path, east):
    """A check run of site.yml on an empty cluster: the harbor role only pretended to create the
    namespace, so there is nothing to check and nowhere to dry-run - a warning, no failure."""
    from lab_kube import namespace_gone
    ns = unique("it-inj-none")
    for mode in ({}, {"mtls_mode": "PERMISSIVE"}):
        result, out = call(run_playbook, tmp_path, security_args(ns, gateway={"enabled": False}, **mode), check=True)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"]
        assert set(a["action"] for a in result["objects"].values()) == {"create"}
        assert "namespace %s does not exist yet" % ns in out
        assert result["injection"]["namespace_exists"] is False
        assert namespace_gone(east, ns)
    # Without check mode a missing namespace fails with the reason, before anything is sent.
    result, _out = call(run_playbook, tmp_path, security_args(ns, gateway={"enabled": False}))
    assert result["failed"] and "namespace %s does not exist" % ns in result["msg"]
    assert "install Harbor first" in result["msg"]


# -- the release's Services: the real chart installed under two release names --------------

def helm_install(lab, release, ns):
    helm, chart, kubeconfig = require(lab, "HELM", "HARBOR_CHART", "K8S_EAST_KUBECONFIG")
    subprocess.run([helm, "install", release, chart, "-n", ns, "--kubeconfig", kubeconfig,
                    "--set", "expose.type=clusterIP", "--set", "expose.tls.enabled=false",
                    "--set", "internalTLS.enabled=false", "--set", "persistence.enabled=false",
                    "--set", "externalURL=https://harbor.example.com"],
                   check=True, capture_output=True, text=True, timeout=300)


def helm_uninstall(lab, release, ns):
    subprocess.run([lab["HELM"], "uninstall", release, "-n", ns, "--kubeconfig", lab["K8S_EAST_KUBECONFIG"]],
                   capture_output=True, check=False, timeout=300)


def ingress_gateway(east, gw_ns, lab, namespaces):
    """An Istio ingress gateway's namespace as its install leaves it (Service, a pod, Harbor's TLS
    Secret), so istioctl analyze can resolve the Gateway's selector and credential."""
    from kubernetes import client
    from lab_kube import default_service_account
    from test_istio_judge import ingress_gateway as judge_gateway
    objects = judge_gateway(gw_ns, lab)
    namespaces(gw_ns, objects[0]["metadata"]["labels"])
    assert default_service_account(east, gw_ns) is not None
    core = client.CoreV1Api(east)
    for obj in objects[1:]:
        getattr(core, "create_namespaced_" + obj["kind"].lower())(gw_ns, obj)


@pytest.mark.parametrize("release,core", [("harbor", "harbor-core"), ("hub", "hub-harbor-core")])
def test_routes_name_the_services_of_the_installed_release(lab, run_playbook, tmp_path, east, namespaces,
                                                           release, core):
    """The real chart installed as ``release``; the istio_harbor role (release passed through) routes
    only to Services that exist, and istioctl analyze finds no dangling reference."""
    from kubernetes import client
    from istio_judge import analyze, show
    ns = namespaces(unique("it-rel"), {"istio-injection": "enabled"})
    gw_ns = unique("it-rel-gw")
    ingress_gateway(east, gw_ns, lab, namespaces)
    helm_install(lab, release, ns)
    try:
        dest = tmp_path / "istio.yaml"
        run_playbook("role_istio_harbor", extra_vars={"ns": ns, "dest": str(dest)}, extra_args=[
            "-e", json.dumps({"istio_harbor_release": release, "istio_harbor_gateway_namespace": gw_ns})])
        services = sorted(s.metadata.name for s in client.CoreV1Api(east).list_namespaced_service(ns).items)
        assert core in services
        custom = client.CustomObjectsApi(east)
        routes = custom.list_namespaced_custom_object("networking.istio.io", "v1", ns, "virtualservices")["items"]
        hosts = sorted(set(r["destination"]["host"] for vs in routes for h in vs["spec"]["http"]
                           for r in h.get("route", [])))
        assert hosts == sorted("%s.%s.svc.cluster.local" % (s, ns) for s in
                               (core, core.replace("-core", "-portal"), core.replace("-core", "-registry")))
        for host in hosts:
            assert host.split(".")[0] in services, (host, services)

        gateways = custom.list_namespaced_custom_object("networking.istio.io", "v1", gw_ns, "gateways")["items"]
        assert [g["metadata"]["name"] for g in gateways] == [release + "-gateway"]
        # istioctl reads the release, the Istio objects and the gateway's namespace from the API server.
        messages = analyze([], namespace=[ns, gw_ns], kubeconfig=lab["K8S_EAST_KUBECONFIG"])
        references = [m for m in messages if m["code"] == "IST0101"]
        assert references == [], show(messages)

        # The judge sees the old naming: <release>-core etc. do not exist for release hub.
        if release != "harbor":
            from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
            old = hs.routes("old", ns, "harbor.example.com", "%s/%s-gateway" % (gw_ns, release),
                            "%s-core.%s.svc.cluster.local" % (release, ns), "%s-portal.%s.svc.cluster.local" % (release, ns))
            found = analyze([old], namespace=[ns, gw_ns], kubeconfig=lab["K8S_EAST_KUBECONFIG"])
            assert sorted(m["message"] for m in found if m["code"] == "IST0101") == [
                'Referenced host not found: "%s-core.%s.svc.cluster.local"' % (release, ns),
                'Referenced host not found: "%s-portal.%s.svc.cluster.local"' % (release, ns)], show(found)
    finally:
        helm_uninstall(lab, release, ns)
