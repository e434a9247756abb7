"""Namespaces in the lab's clusters, handled as on a real one.

The lab runs kube-controller-manager (namespace, garbage-collector and
serviceaccount controllers), so a deleted namespace goes through
``Terminating`` and disappears, and a new one gets a ``default``
ServiceAccount shortly after it is created - both asynchronously. Tests that
delete a namespace wait for it to be gone, so a run leaves nothing behind and
a controller that stopped working shows up as a failed teardown.
"""

import contextlib
import time
import uuid

from kubernetes import client
from kubernetes.client.rest import ApiException

DELETE_TIMEOUT = 60
SERVICE_ACCOUNT_TIMEOUT = 30


def wait_until(predicate, timeout, interval=0.25):
    """Poll ``predicate()`` until it returns something true; that value, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(interval)


def create_namespace(api, name):
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))


def namespace_gone(api, name):
    try:
        client.CoreV1Api(api).read_namespace(name)
    except ApiException as exc:
        if exc.status == 404:
            return True
        raise
    return False


@contextlib.contextmanager
def scratch_namespace(api, prefix):
    """A namespace ``<prefix><random>`` for the block, deleted (and waited for) afterwards."""
    name = prefix + uuid.uuid4().hex[:8]
    create_namespace(api, name)
    try:
        yield name
    finally:
        delete_namespace(api, name)


def delete_namespace(api, name, timeout=DELETE_TIMEOUT):
    """Delete ``name`` and wait until the API server no longer has it (not just ``Terminating``)."""
    core = client.CoreV1Api(api)
    try:
        core.delete_namespace(name)
    except ApiException as exc:
        if exc.status != 404:
            raise
    if wait_until(lambda: namespace_gone(api, name), timeout):
        return
    try:
        ns = core.read_namespace(name)
        detail = "phase %s, conditions %s" % (ns.status.phase, [
            (c.type, c.status, c.message) for c in ns.status.conditions or [] if c.status == "True"])
    except ApiException as exc:
        detail = "read failed: %s" % exc.status
    raise AssertionError("namespace %s still exists %ds after its deletion (%s); is the lab's "
                         "kube-controller-manager running? (tests/lab/up --keep kube)"
                         % (name, timeout, detail))


def default_service_account(api, name, timeout=SERVICE_ACCOUNT_TIMEOUT):
    """The ``default`` ServiceAccount the controller creates in namespace ``name``, or None."""
    core = client.CoreV1Api(api)

    def read():
        try:
            return core.read_namespaced_service_account("default", name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
    return wait_until(read, timeout)
