"""Workloads on east's real node (tests/lab/components/node.sh): kubelet, containerd and runc.

A workload image is the node's own pause binary (kubernetes' build/pause, built by the lab) in a
one-layer OCI archive: it runs until killed, so a pod that pulled it becomes Running.
"""

import os
import subprocess
import sys
import tempfile

from kubernetes import client
from kubernetes.client.rest import ApiException

from lab_kube import wait_until

LAB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab")
sys.path.insert(0, LAB_DIR)
from oci_image import build  # noqa: E402  pylint: disable=wrong-import-position

PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff")


def push_workload_image(lab, image, dest_auth):
    """skopeo copy of the pause workload image to ``<harbor>/<image>``, authenticated by the skopeo
    options ``dest_auth`` (``--dest-creds`` or ``--dest-authfile``): its manifest digest."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = os.path.join(tmp, "workload.tar")
        # An image id of its own: kubelet 1.36 remembers which credentials pulled an image id, and
        # refuses it to pods without them even if a lab image (the same pause binary) shares it.
        digest = build(archive, "%s/%s" % (lab["HARBOR_HOST"], image), ["/pause"], ["BERTH_WORKLOAD=" + image],
                       [(lab["NODE_PAUSE_BINARY"], "/pause", 0o755)])
        command = [lab["SKOPEO"], "copy"] + list(dest_auth) + [
            "--dest-cert-dir", lab["HARBOR_CERT_DIR"], "oci-archive:%s" % archive,
            "docker://%s/%s" % (lab["HARBOR_HOST"], image)]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return digest


def workload(namespace, name, image, pull_policy=None, command=None, pull_secrets=(), resources=True,
             privileged=False, host_path=False):
    """A one-replica Deployment of ``image`` as plain data (the API server and policy_check take the
    same manifest): requests and limits (the policies' container rule) unless ``resources`` is false,
    imagePullSecrets only when given, a privileged container or a hostPath volume when asked."""
    container = {"name": "main", "image": image}
    if pull_policy:
        container["imagePullPolicy"] = pull_policy
    if command:
        container["command"] = list(command)
    if resources:
        container["resources"] = {"requests": {"cpu": "10m", "memory": "8Mi"},
                                  "limits": {"cpu": "50m", "memory": "16Mi"}}
    if privileged:
        container["securityContext"] = {"privileged": True}
    pod = {"containers": [container]}
    if pull_secrets:
        pod["imagePullSecrets"] = [{"name": s} for s in pull_secrets]
    if host_path:
        container["volumeMounts"] = [{"name": "host", "mountPath": "/host"}]
        pod["volumes"] = [{"name": "host", "hostPath": {"path": "/etc"}}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": pod}}}


def deploy(api, namespace, name, image, pull_policy="Always", command=None, pull_secrets=()):
    """Create :func:`workload` (pulled at every start unless told otherwise)."""
    client.AppsV1Api(api).create_namespaced_deployment(
        namespace, workload(namespace, name, image, pull_policy, command, pull_secrets))


def gatekeeper_denials(message):
    """{(constraint name, message)} of a Gatekeeper refusal: ``... denied the request: [name] msg``, a line each."""
    found = set()
    for line in message.split("denied the request:", 1)[1].strip().splitlines():
        name, text = line.strip()[1:].split("] ", 1)
        found.add((name, text.strip()))
    return found


def pod_outcome(api, namespace, name, timeout=120):
    """(pod, 'Running' or a pull failure reason, message) of the Deployment's newest pod."""
    core = client.CoreV1Api(api)

    def settled():
        pods = core.list_namespaced_pod(namespace, label_selector="app=%s" % name).items
        pods = [p for p in pods if p.metadata.deletion_timestamp is None]
        if not pods:
            return None
        pod = max(pods, key=lambda p: p.metadata.creation_timestamp)
        if pod.status.phase == "Running":
            return pod, "Running", ""
        for status in pod.status.container_statuses or []:
            waiting = status.state.waiting
            if waiting and waiting.reason in PULL_FAILURES:
                return pod, waiting.reason, waiting.message or ""
        return None

    found = wait_until(settled, timeout, interval=0.5)
    assert found, "no pod of %s/%s ran or failed its pull within %ss: %s" % (
        namespace, name, timeout, [(p.metadata.name, p.status.phase, p.status.container_statuses)
                                   for p in core.list_namespaced_pod(namespace).items])
    return found


def pull_events(api, namespace, pod):
    """The kubelet's messages about pulling for ``pod``."""
    events = client.CoreV1Api(api).list_namespaced_event(
        namespace, field_selector="involvedObject.name=%s" % pod.metadata.name).items
    return [e.message for e in events if e.reason in ("Failed", "Pulled", "Pulling")]


def restart(api, namespace, name):
    """The Deployment's pods replaced by new ones (as ``kubectl rollout restart``): the newest pod."""
    core = client.CoreV1Api(api)
    for pod in core.list_namespaced_pod(namespace, label_selector="app=%s" % name).items:
        try:
            core.delete_namespaced_pod(pod.metadata.name, namespace, grace_period_seconds=0)
        except ApiException as exc:
            if exc.status != 404:
                raise
