"""Failures injected in front of the real kube-apiserver: istio_vs still converges.

Server-side apply is idempotent, so the Kubernetes client repeats it after a lost
answer; reads are retried on 503. The proxy authenticates upstream with the lab's
admin client certificate.
"""

import os
import uuid

import pytest
import yaml
from kubernetes import client, config

from conftest import require
from fault_proxy import FaultProxy, Rule
from lab_kube import create_namespace, delete_namespace


@pytest.fixture
def proxied_cluster(lab, tmp_path):
    url, kubeconfig, state = require(lab, "K8S_EAST_URL", "K8S_EAST_KUBECONFIG", "LAB_STATE")
    pki = os.path.join(state, "pki")
    api = config.new_client_from_config(config_file=kubeconfig)
    ns = "it-fault-" + uuid.uuid4().hex[:8]
    create_namespace(api, ns)
    with FaultProxy(url, os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"),
                    os.path.join(pki, "ca.crt"),
                    client_cert=(os.path.join(pki, "kube-admin.crt"), os.path.join(pki, "kube-admin.key"))) as proxy:
        with open(kubeconfig) as f:
            proxied = yaml.safe_load(f)
        proxied["clusters"][0]["cluster"]["server"] = proxy.url
        path = tmp_path / "proxied.kubeconfig"
        path.write_text(yaml.safe_dump(proxied))
        yield proxy, str(path), ns, api
    delete_namespace(api, ns)


def test_lost_apply_answer_and_busy_reads_still_converge(proxied_cluster, run_playbook):
    proxy, kubeconfig, ns, api = proxied_cluster
    vs_path = r"/namespaces/%s/virtualservices/harbor$" % ns
    proxy.rules.append(Rule("GET", vs_path, 503, times=2))
    proxy.rules.append(Rule("PATCH", vs_path, "reset"))
    run_playbook("istio_vs_once", extra_vars={"ns": ns},
                 env_overrides={"K8S_AUTH_KUBECONFIG": kubeconfig})
    assert all(r.times == 0 for r in proxy.rules), [(r.method, r.times) for r in proxy.rules] + proxy.seen[-4:]
    assert proxy.count("PATCH", vs_path) == 2  # the lost apply, then the repeat
    items = client.CustomObjectsApi(api).list_namespaced_custom_object(
        "networking.istio.io", "v1", ns, "virtualservices")["items"]
    assert [i["metadata"]["name"] for i in items] == ["harbor"]
