"""The lab's kube-apiservers are real, validate Istio objects against the CRD schemas,
and keep the two clusters apart; their controller managers finish namespace
deletion and give new namespaces a `default` ServiceAccount."""

import time
import uuid

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from conftest import require
from lab_kube import create_namespace, default_service_account, delete_namespace, namespace_gone, scratch_namespace

CLUSTERS = ("EAST", "WEST")


def api_client(kubeconfig):
    return config.new_client_from_config(config_file=kubeconfig)


@pytest.fixture(scope="module")
def east(lab):
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    return api_client(kubeconfig)


@pytest.fixture(scope="module")
def west(lab):
    (kubeconfig,) = require(lab, "K8S_WEST_KUBECONFIG")
    return api_client(kubeconfig)


@pytest.fixture
def namespace(east):
    with scratch_namespace(east, "lab-") as name:
        yield name


def virtual_service(name, **spec):
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": name}, "spec": spec}


def test_both_clusters_report_the_built_version(lab, east, west):
    for api in (east, west):
        info = client.VersionApi(api).get_code()
        assert info.git_version == lab["K8S_VERSION"] and info.major == "1"


def test_istio_crds_are_established(east, west):
    for api in (east, west):
        crds = client.ApiextensionsV1Api(api).list_custom_resource_definition().items
        names = {c.metadata.name for c in crds}
        assert {"virtualservices.networking.istio.io", "gateways.networking.istio.io",
                "peerauthentications.security.istio.io",
                "requestauthentications.security.istio.io",
                "authorizationpolicies.security.istio.io"} <= names


def test_schema_rejects_malformed_and_accepts_valid_virtual_service(east, namespace):
    vs = DynamicClient(east).resources.get(api_version="networking.istio.io/v1",
                                           kind="VirtualService")
    bad = virtual_service("bad", hosts="harbor.example.com",  # must be a list
                          http=[{"route": [{"destination": {"host": "core", "port": {"number": "eighty"}}}]}])
    with pytest.raises(ApiException) as info:
        vs.create(body=bad, namespace=namespace)
    assert info.value.status == 422
    assert "spec.hosts" in info.value.body

    good = virtual_service("harbor", hosts=["harbor.example.com"],
                           http=[{"match": [{"uri": {"prefix": "/v2/"}}],
                                  "route": [{"destination": {"host": "harbor-core", "port": {"number": 80}}}]}])
    vs.create(body=good, namespace=namespace)
    stored = vs.get(name="harbor", namespace=namespace).to_dict()
    assert stored["spec"]["http"][0]["route"][0]["destination"]["port"]["number"] == 80


def test_clusters_have_separate_storage(east, west, namespace):
    west_names = {n.metadata.name for n in client.CoreV1Api(west).list_namespace().items}
    assert namespace not in west_names


@pytest.mark.parametrize("cluster", ["east", "west"])
def test_namespaces_get_a_service_account_and_finish_deleting(request, cluster):
    """A new namespace gets `default` within 30 s; a deleted one, with a ConfigMap and a
    protected PVC in it, is gone within 60 s (kube-controller-manager's work)."""
    api = request.getfixturevalue(cluster)
    core = client.CoreV1Api(api)
    name = "lab-ctrl-" + uuid.uuid4().hex[:8]
    started = time.monotonic()
    create_namespace(api, name)
    try:
        account = default_service_account(api, name, timeout=30)
        assert account is not None, "no default ServiceAccount in %s (%s) after 30 s" % (name, cluster)
        core.create_namespaced_config_map(name, client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="settings"), data={"team": "demo"}))
        # The API server puts kubernetes.io/pvc-protection on every claim (a Helm chart's
        # PVCs kept namespaces Terminating until the lab ran the PVC protection controller).
        claim = core.create_namespaced_persistent_volume_claim(name, {
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
        assert "kubernetes.io/pvc-protection" in claim.metadata.finalizers
    except BaseException:
        core.delete_namespace(name)
        raise
    created = time.monotonic()
    delete_namespace(api, name, timeout=60)  # fails naming the namespace's conditions after 60 s
    assert namespace_gone(api, name)
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("settings", name)
    assert info.value.status == 404
    print("%s: default ServiceAccount after %.1f s, namespace gone %.1f s after its deletion"
          % (cluster, created - started, time.monotonic() - created))
