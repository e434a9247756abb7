"""East's real node (tests/lab/components/node.sh): kubelet v1.36 with containerd 2 and runc
registers, pods of the lab's own images run, the API server reaches kubelet (logs), a Service
answers by name from a pod (CoreDNS, kube-proxy) and by ClusterIP from the host, a name outside the
cluster is not resolved, an image from outside fails at once without any lookup leaving the machine, and `tests/lab/down node` leaves the
machine as it was before the node started (sysctls, host paths, links, iptables chains, mounts,
cgroups), after which `up` brings the node back. The last test stops and restarts the node: keep
it last in this file."""

import os
import subprocess

import pytest
import requests
from kubernetes import client, config

from conftest import require
from lab_kube import scratch_namespace, wait_until
from lab_node import PULL_FAILURES, deploy, pod_outcome

LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab")


@pytest.fixture(scope="module")
def east(lab):
    require(lab, "K8S_EAST_KUBECONFIG", "NODE_NAME", "NODE_PAUSE_IMAGE")
    return config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"])


@pytest.fixture
def namespace(east):
    with scratch_namespace(east, "node-") as name:
        yield name


def ready(api, name):
    node = client.CoreV1Api(api).read_node(name)
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions) and node


def test_the_node_is_ready_with_the_built_versions(lab, east):
    node = ready(east, lab["NODE_NAME"])
    assert node, "node %s is not Ready" % lab["NODE_NAME"]
    info = node.status.node_info
    assert info.kubelet_version == lab["K8S_VERSION"]
    assert info.container_runtime_version == "containerd://" + lab["CONTAINERD_VERSION"].lstrip("v")
    assert {"type": "InternalIP", "address": lab["NODE_IP"]} in [a.to_dict() for a in node.status.addresses]
    assert not [t for t in node.spec.taints or [] if t.effect == "NoSchedule"]


def test_a_deployment_of_a_lab_image_runs_and_its_log_is_read_through_the_api_server(lab, east, namespace):
    # The lab image is imported, never pulled: "Always" would ask a registry that does not exist.
    deploy(east, namespace, "pause", lab["NODE_PAUSE_IMAGE"], pull_policy="Never")
    pod, state, message = pod_outcome(east, namespace, "pause")
    assert state == "Running", message
    assert pod.status.pod_ip.startswith(lab["NODE_IP"].rsplit(".", 1)[0] + ".")
    # kube-apiserver -> kubelet over TLS (the kubelet's certificate from the lab CA, client cert).
    assert client.CoreV1Api(east).read_namespaced_pod_log(pod.metadata.name, namespace) == ""


def test_a_service_answers_by_name_from_a_pod_and_by_cluster_ip_from_the_host(lab, east, namespace):
    image = lab["NODE_PROBE_IMAGE"]
    deploy(east, namespace, "web", image, pull_policy="Never", command=["/probe", "serve", ":8080", "served by"])
    client.CoreV1Api(east).create_namespaced_service(namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(
            name="http", port=80, target_port=8080)])))
    web, state, message = pod_outcome(east, namespace, "web")
    assert state == "Running", message
    # A client pod: the Service by its short name (search domains, CoreDNS, kube-proxy), then names
    # outside the cluster, which CoreDNS does not forward anywhere.
    deploy(east, namespace, "client", image, pull_policy="Never", command=[
        "/probe", "get", "http://web/", "lookup", "web.%s.svc.cluster.local" % namespace, "example.com"])
    pod, state, message = pod_outcome(east, namespace, "client")
    assert state == "Running", message
    core = client.CoreV1Api(east)

    def finished_log():
        text = core.read_namespaced_pod_log(pod.metadata.name, namespace)
        return "done" in text and text

    log = wait_until(finished_log, 90)
    cluster_ip = core.read_namespaced_service("web", namespace).spec.cluster_ip
    assert log and "http://web/: served by %s" % web.metadata.name in log, log
    assert "web.%s.svc.cluster.local: [%s]" % (namespace, cluster_ip) in log, log
    assert "example.com: not resolved" in log, log
    # From the host: kube-proxy's rules send the ClusterIP to the pod.
    answer = requests.get("http://%s/" % cluster_ip, timeout=5).text.strip()
    assert answer == "served by " + web.metadata.name


def test_an_image_from_outside_fails_at_once_without_a_lookup(east, namespace):
    deploy(east, namespace, "outside", "docker.io/library/busybox:1.37")
    state, message = pod_outcome(east, namespace, "outside", timeout=60)[1:]
    assert state in PULL_FAILURES
    # Every registry but the lab's resolves to the closed port 127.0.0.1:9 (certs.d/_default).
    assert "127.0.0.1:9" in message, message


def footprint():
    proc = subprocess.run(["bash", "-c", '. "$1/lib.sh"; node_footprint', "-", LAB],
                          capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


def test_down_restores_the_machine_and_up_brings_the_node_back(lab, east):
    with open(os.path.join(lab["LAB_STATE"], "node", "footprint.before"), encoding="utf-8") as handle:
        before = handle.read().splitlines()
    running = footprint()
    assert running != before, "the node changed nothing on the machine: is it running?"
    down = subprocess.run([os.path.join(LAB, "down"), "node"], capture_output=True, text=True, check=False)
    try:
        assert down.returncode == 0, down.stderr
        after = footprint()
        assert sorted(after) == sorted(before), "left behind: %s; lost: %s" % (
            sorted(set(after) - set(before)), sorted(set(before) - set(after)))
    finally:
        up = subprocess.run([os.path.join(LAB, "up"), "--keep", "node"], capture_output=True, text=True,
                            check=False)
        assert up.returncode == 0, up.stderr[-2000:]
    assert wait_until(lambda: ready(east, lab["NODE_NAME"]), 60)
