"""The lab's kube-apiservers are real, validate Istio objects against the CRD schemas,
and keep the two clusters apart."""

import uuid

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from conftest import require

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
    name = "lab-" + uuid.uuid4().hex[:8]
    core = client.CoreV1Api(east)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


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
