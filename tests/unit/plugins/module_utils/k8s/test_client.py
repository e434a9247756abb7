"""K8sClient error mapping and retries (unit level: the call is a local function)."""

import pytest
from kubernetes.client.rest import ApiException

from ansible_collections.berth.platform.plugins.module_utils import errors
from ansible_collections.berth.platform.plugins.module_utils.k8s.client import (
    K8sClient, strip_server_fields,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy


def api_error(status, message):
    exc = ApiException(status=status, reason="reason")
    exc.body = '{"kind": "Status", "message": "%s"}' % message
    return exc


def scripted(*outcomes):
    calls = []

    def func():
        calls.append(1)
        item = outcomes[len(calls) - 1]
        if isinstance(item, Exception):
            raise item
        return item
    return func, calls


def client():
    return K8sClient(api=None, retry=RetryPolicy(sleep=lambda s: None))


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_idempotent_calls_are_retried_on_503(method):
    func, calls = scripted(api_error(503, "busy"), {"ok": True})
    assert client()._call(method, "/x", func) == {"ok": True}
    assert len(calls) == 2


def test_schema_rejection_is_not_retried_and_keeps_the_server_message():
    func, calls = scripted(api_error(422, "spec.hosts: Invalid value"))
    with pytest.raises(errors.BadRequest) as info:
        client()._call("PATCH", "/apis/x", func)
    assert len(calls) == 1
    assert str(info.value) == "k8s PATCH /apis/x: 422 spec.hosts: Invalid value"


def test_strip_server_fields():
    obj = {"apiVersion": "v1", "kind": "Secret", "status": {"x": 1},
           "metadata": {"name": "a", "uid": "u", "resourceVersion": "1", "managedFields": [],
                        "creationTimestamp": "t", "generation": 2,
                        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}}
    assert strip_server_fields(obj) == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}}


class ServedOnly(K8sClient):
    """A client whose cluster serves only the given api versions."""

    def __init__(self, *served):
        super().__init__(api=None)
        self.served_versions = served

    def resource(self, api_version, kind):
        if api_version not in self.served_versions:
            raise errors.NotFound("not served")
        return object()


def test_preferred_version_falls_back_to_v1beta1():
    assert ServedOnly("networking.istio.io/v1", "networking.istio.io/v1beta1") \
        .preferred_version("networking.istio.io", "VirtualService") == "v1"
    assert ServedOnly("networking.istio.io/v1beta1").preferred_version("networking.istio.io", "Gateway") == "v1beta1"
    with pytest.raises(errors.NotFound) as info:
        ServedOnly().preferred_version("security.istio.io", "AuthorizationPolicy")
    assert "install the CRDs" in str(info.value)
