"""istio_port_names on the Services of the real Harbor chart, applied to the lab's API server."""

import subprocess
import uuid

import pytest
import yaml
from kubernetes import client, config

from conftest import require
from lab_kube import delete_namespace


@pytest.fixture
def harbor_services(lab):
    kubeconfig, helm, chart = require(lab, "K8S_EAST_KUBECONFIG", "HELM", "HARBOR_CHART")
    api = config.new_client_from_config(config_file=kubeconfig)
    core = client.CoreV1Api(api)
    ns = "it-ports-" + uuid.uuid4().hex[:8]
    rendered = subprocess.run(
        [helm, "template", "harbor", chart, "--namespace", ns, "--set", "expose.type=clusterIP",
         "--set", "expose.tls.enabled=false", "--set", "internalTLS.enabled=false"],
        check=True, capture_output=True, text=True).stdout
    services = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Service"]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    for svc in services:
        core.create_namespaced_service(ns, svc)
    yield ns, core
    delete_namespace(core.api_client, ns)


def test_reports_and_fixes_chart_services(harbor_services, run_playbook):
    ns, core = harbor_services
    run_playbook("istio_port_names", extra_vars={"ns": ns})
    portal = core.read_namespaced_service("harbor-portal", ns)
    assert portal.spec.ports[0].app_protocol == "http"
