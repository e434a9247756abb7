"""K8sClient messages: a certificate failure is a TLSError with what to set, a 401 names the
credentials to check (issue 12). The call is a local function; no server."""

import ssl

import pytest
from kubernetes.client.rest import ApiException
from urllib3.exceptions import MaxRetryError, NewConnectionError, SSLError

from ansible_collections.berth.platform.plugins.module_utils import errors
from ansible_collections.berth.platform.plugins.module_utils.k8s.client import (
    BESIDE_HARBOR_OPTION_NAMES, K8sClient, api_client, status_hint, tls_failure, tls_hint,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

VERIFY = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
          "issuer certificate (_ssl.c:1006)")


def client():
    return K8sClient(api=None, retry=RetryPolicy(sleep=lambda s: None))


def raising(exc):
    calls = []

    def func():
        calls.append(1)
        raise exc
    return func, calls


def wrapped_tls_failure():
    """What urllib3 raises through the kubernetes client: MaxRetryError(reason=SSLError(...))."""
    inner = SSLError(ssl.SSLCertVerificationError(1, VERIFY))
    return MaxRetryError(None, "/version", reason=inner)


def test_certificate_failure_inside_max_retry_error_is_a_tls_error_with_the_fix():
    func, calls = raising(wrapped_tls_failure())
    with pytest.raises(errors.TLSError) as info:
        client()._call("GET", "/apis", func)
    text = str(info.value)
    assert text.startswith("k8s GET /apis: TLS verification failed (certificate verify failed: "
                           "unable to get local issuer certificate)")
    assert "ca_cert" in text and "validate_certs" in text and "cannot reach" not in text
    assert len(calls) == 1  # TLS failures are never retried


def test_a_refused_connection_is_still_a_transport_error():
    refused = MaxRetryError(None, "/version", reason=NewConnectionError(None, "Connection refused"))
    func, calls = raising(refused)
    with pytest.raises(errors.TransportError) as info:
        client()._call("GET", "/apis", func)
    assert not isinstance(info.value, errors.TLSError)
    assert "cannot reach the API server" in str(info.value)
    assert len(calls) == 5  # retried as the policy says


def test_tls_failure_follows_reasons_and_causes_but_not_strings():
    assert tls_failure(wrapped_tls_failure()) is not None
    try:
        try:
            raise ssl.SSLError("handshake")
        except ssl.SSLError as exc:
            raise OSError("broken") from exc
    except OSError as outer:
        assert isinstance(tls_failure(outer), ssl.SSLError)
    plain = OSError("no route")
    plain.reason = "a string, not an exception"
    assert tls_failure(plain) is None


def test_401_names_the_credentials_to_check():
    exc = ApiException(status=401, reason="Unauthorized")
    exc.body = '{"kind": "Status", "message": "Unauthorized", "code": 401}'
    func, calls = raising(exc)
    with pytest.raises(errors.Unauthorized) as info:
        client()._call("GET", "/api/v1/namespaces", func)
    assert str(info.value).startswith("k8s GET /api/v1/namespaces: 401 Unauthorized - ")
    assert "api_key" in info.value.hint and "kubeconfig" in info.value.hint
    assert len(calls) == 1


def test_403_hint_only_for_rbac_answers():
    assert "RBAC" in status_hint(403, 'secrets is forbidden: User "x" cannot create resource "secrets"')
    assert status_hint(403, "unable to create new content in namespace a because it is being terminated") is None
    assert status_hint(404, "not found") is None


# -- hints name the caller's options, a missing namespace says to create it (issue 24) ----------
class Api:
    """What api_client returns, as far as K8sClient looks at it."""

    def __init__(self, names=None):
        self.berth_option_names = names or {}


@pytest.mark.parametrize("api, named", [
    (Api(), "validate_certs: false"),
    (Api(BESIDE_HARBOR_OPTION_NAMES), "k8s_validate_certs: false"),
])
def test_tls_hint_names_the_option_the_module_has(api, named):
    func, dummy = raising(wrapped_tls_failure())
    with pytest.raises(errors.TLSError) as info:
        K8sClient(api, retry=RetryPolicy(sleep=lambda s: None))._call("GET", "/apis", func)
    assert named in str(info.value) and "ca_cert" in str(info.value)
    if named.startswith("validate_certs"):
        assert "k8s_validate_certs" not in str(info.value)


def test_tls_hint_names_can_be_given_to_the_client_itself():
    client_ = K8sClient(None, option_names=BESIDE_HARBOR_OPTION_NAMES)
    assert client_.option_names == BESIDE_HARBOR_OPTION_NAMES
    assert "k8s_validate_certs: false" in tls_hint(client_.option_names)


def test_api_client_keeps_the_option_names_for_the_client():
    api = api_client(host="https://127.0.0.1:1", api_key="x", option_names=BESIDE_HARBOR_OPTION_NAMES)
    assert K8sClient(api).option_names == BESIDE_HARBOR_OPTION_NAMES
    assert K8sClient(api_client(host="https://127.0.0.1:1", api_key="x")).option_names == {}


def test_a_missing_namespace_says_create_it_first():
    exc = ApiException(status=404, reason="Not Found")
    exc.body = '{"kind": "Status", "message": "namespaces \\"team-x\\" not found"}'
    func, dummy = raising(exc)
    with pytest.raises(errors.NotFound) as info:
        client()._call("PATCH", "/api/v1/namespaces/team-x/secrets/pull", func)
    text = str(info.value)
    assert 'namespaces "team-x" not found - create namespace team-x first' in text
    assert status_hint(404, 'secrets "pull" not found') is None
