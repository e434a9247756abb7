"""istio_vs refuses what istiod's webhook refuses, before anything reaches the lab's
kube-apiserver (which runs no istiod and would store it): issue 12, defect 5."""

import uuid

import pytest
from kubernetes import client, config

from conftest import require
from lab_kube import create_namespace, delete_namespace


@pytest.fixture
def namespace(lab):
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    api = config.new_client_from_config(config_file=kubeconfig)
    name = "it-vs-val-" + uuid.uuid4().hex[:8]
    create_namespace(api, name)
    yield api, name
    delete_namespace(api, name)


def test_virtual_service_without_routes_is_refused_and_not_stored(namespace, run_playbook):
    api, ns = namespace
    proc = run_playbook("istio_vs_no_routes", extra_vars={"ns": ns})
    assert "failed=0" in proc.stdout
    stored = client.CustomObjectsApi(api).list_namespaced_custom_object(
        "networking.istio.io", "v1", ns, "virtualservices")["items"]
    assert stored == []  # neither the refused one nor the removed one
