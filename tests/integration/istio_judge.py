"""Real Istio judges the collection's Istio objects: istioctl, without istiod.

istioctl is built from the Go module istio.io/istio by tests/lab/build/build (the
version and why it was chosen: tests/lab/versions.env) and provided by
``tests/lab/up --keep tools`` as ``ISTIOCTL`` in tests/lab/.state/lab.env; an
``ISTIOCTL`` environment variable takes precedence. Without it the callers are
skipped when run by hand and fail under CI (CI=true), like conftest's ``require``.

``validate(objects)`` -> ``(ok, output)`` runs ``istioctl validate -f FILE``, offline.
For every Istio kind it runs the code istiod's validating webhook runs (a strict
decode of ``spec`` into the kind's proto, the kind's ``ValidateConfig``, and the
webhook's unknown-top-level-field check): ``ok`` is False exactly when istiod
would reject an object; warnings keep ``ok`` True and appear in ``output``.
Services given to it get istioctl's own port-name rule instead (an unnamed port,
or a name with no protocol prefix and no ``appProtocol``, is an error there,
though istiod never rejects a Service), and Deployments a telemetry-label notice.

``analyze(objects, namespace=None, kubeconfig=None)`` -> list of message dicts
(``code`` such as ``IST0101``, ``level`` ``Error``/``Warning``/``Info``,
``message``, ``origin`` such as ``"VirtualService harbor/harbor"``) from
``istioctl analyze -o json``:

- offline (no ``kubeconfig``): ``--use-kube=false`` with Istio's default mesh
  config. Since Istio 1.18 (istio/istio#44506) istioctl drops the "runtime"
  kinds Service, Pod, Namespace, Node and Secret from files, so every analyzer
  that needs one (port names, destination hosts, workload selectors, gateway
  credentials, injection) is skipped; Istio-to-Istio checks (gateway
  references, schema, conflicting hosts, deprecations) run. Passing a runtime
  kind offline is refused here rather than silently ignored.
- on a lab cluster (``kubeconfig`` of one of the lab's API servers; ``namespace``
  is required, one name or a list, and only messages about those namespaces are
  returned): the runtime kinds are created there for the run (Namespaces first,
  deleted afterwards with everything in them), the other objects are given as
  files, and istioctl reads the cluster as it would a real one. This is how port
  names (IST0118) and references to Services and workloads are judged.
"""

import json
import os
import subprocess
import tempfile
from contextlib import contextmanager

import pytest
import yaml

from endpoints import LAB_ENV, read_lab_env

TIMEOUT = 180
# Kinds istioctl analyze ignores in files (pkg/config/analysis/legacy/util/kuberesource).
RUNTIME_KINDS = ("Namespace", "Node", "Pod", "Secret", "Service")


def istioctl():
    """The istioctl binary; skips (by hand) or fails (CI) when there is none."""
    path = os.environ.get("ISTIOCTL")
    if not path and os.path.exists(LAB_ENV):
        path = read_lab_env().get("ISTIOCTL")
    if path and os.access(path, os.X_OK):
        return path
    message = ("istioctl not available (ISTIOCTL %s): run `tests/lab/up --keep tools`"
               % ("is %r, not an executable" % path if path else "unset and not in lab.env"))
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _write(directory, objects):
    path = os.path.join(directory, "objects.yaml")
    with open(path, "w") as f:
        yaml.safe_dump_all(list(objects), f, default_flow_style=False, sort_keys=False)
    return path


def _run(args, kubeconfig=None):
    # Offline unless told otherwise: never the cluster the caller's environment points at.
    env = dict(os.environ, TERM="dumb", KUBECONFIG=kubeconfig or os.devnull)
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)


def validate(objects, namespace="default"):
    """``istioctl validate`` over ``objects`` -> (ok, output). ``namespace`` is given to
    objects without one (their validity may depend on it: ``exportTo: ["."]``)."""
    binary = istioctl()
    with tempfile.TemporaryDirectory(prefix="istio-judge-") as tmp:
        path = _write(tmp, objects)
        proc = _run([binary, "validate", "--namespace", namespace, "-f", path])
    output = (proc.stdout + proc.stderr).replace(path, "objects.yaml").strip()
    return proc.returncode == 0, output


def _is_runtime(obj):
    return obj.get("apiVersion") == "v1" and obj.get("kind") in RUNTIME_KINDS


def analyze(objects, namespace=None, kubeconfig=None):
    """``istioctl analyze`` over ``objects`` -> list of message dicts (see the module doc)."""
    binary = istioctl()
    objects = list(objects)
    runtime = [o for o in objects if _is_runtime(o)]
    files = [o for o in objects if not _is_runtime(o)]
    if kubeconfig is None:
        if runtime:
            raise ValueError("istioctl analyze --use-kube=false ignores %s in files (istio/istio#44506): "
                             "give a lab kubeconfig to judge them"
                             % ", ".join(sorted(set("%s %s" % (o["kind"], o["metadata"]["name"])
                                                    for o in runtime))))
        args = ["--use-kube=false"]
        args += ["--all-namespaces"] if namespace is None else ["--namespace", namespace]
    else:
        if not namespace:
            raise ValueError("analyze on a cluster needs the namespace(s) to judge")
        wanted = [namespace] if isinstance(namespace, str) else list(namespace)
        args = ["--kubeconfig", kubeconfig]
        args += ["--namespace", wanted[0]] if len(wanted) == 1 else ["--all-namespaces"]
    with _on_cluster(kubeconfig, runtime), tempfile.TemporaryDirectory(prefix="istio-judge-") as tmp:
        paths = [_write(tmp, files)] if files else []
        proc = _run([binary, "analyze", "-o", "json", "--output-threshold", "Info", "--timeout", "120s"]
                    + args + paths, kubeconfig)
    # A file istioctl cannot read, or a cluster it cannot reach, is no pass.
    if proc.returncode != 0 or "Error(s) adding files" in proc.stderr:
        pytest.fail("istioctl analyze failed (rc=%d):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    try:
        messages = json.loads(proc.stdout or "[]")
    except ValueError:
        pytest.fail("istioctl analyze printed no JSON:\n%s\n%s" % (proc.stdout, proc.stderr))
    messages = [dict(m, code=m.get("code"), level=m.get("level"), message=m.get("message"),
                     origin=m.get("origin")) for m in messages or []]
    if kubeconfig is not None:  # the lab's other tests have their own objects there
        messages = [m for m in messages if _origin_namespace(m["origin"]) in wanted]
    return messages


def _origin_namespace(origin):
    """'VirtualService harbor/harbor' -> 'harbor'; 'Namespace harbor' -> 'harbor'."""
    kind, _sep, ref = (origin or "").partition(" ")
    return ref if kind == "Namespace" else ref.partition("/")[0]


@contextmanager
def _on_cluster(kubeconfig, objects):
    """``objects`` (runtime kinds) exist on the cluster for the duration; then they are gone."""
    if not objects:
        yield
        return
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    from lab_kube import default_service_account, delete_namespace

    api = config.new_client_from_config(config_file=kubeconfig)
    core = client.CoreV1Api(api)
    namespaces = [o for o in objects if o["kind"] == "Namespace"]
    created_namespaces, created = [], []
    try:
        for ns in namespaces:
            core.create_namespace(ns)
            created_namespaces.append(ns["metadata"]["name"])
        for obj in objects:
            if obj["kind"] == "Namespace":
                continue
            if obj["kind"] == "Node":
                core.create_node(obj)
            else:
                ns = obj["metadata"]["namespace"]
                if obj["kind"] == "Pod" and default_service_account(api, ns) is None:
                    raise AssertionError("no default ServiceAccount in %s: is the lab's kube-controller-manager "
                                         "running? (tests/lab/up --keep kube)" % ns)
                getattr(core, "create_namespaced_" + obj["kind"].lower())(ns, obj)
            created.append(obj)
        yield
    finally:
        for obj in reversed(created):
            name = obj["metadata"]["name"]
            try:
                if obj["kind"] == "Node":
                    core.delete_node(name)
                elif obj["metadata"]["namespace"] not in created_namespaces:
                    getattr(core, "delete_namespaced_" + obj["kind"].lower())(name, obj["metadata"]["namespace"])
            except ApiException as exc:
                if exc.status != 404:
                    raise
        for name in created_namespaces:
            delete_namespace(api, name)


def codes(messages, level=None):
    """The message codes, optionally only those at ``level``."""
    return sorted(m["code"] for m in messages if level is None or m["level"] == level)


def show(messages):
    """One line per message, for assertion output."""
    return "\n".join("%s %s %s: %s" % (m["level"], m["code"], m["origin"], m["message"]) for m in messages) \
        or "(no messages)"
