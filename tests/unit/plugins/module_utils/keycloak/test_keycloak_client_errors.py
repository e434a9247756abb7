"""python-keycloak failures become the collection's typed errors (unit level: no server)."""

import pytest
import requests
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakConnectionError, KeycloakGetError

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, NotFound, ServerError, TLSError, TransportError, Unauthorized, ValidationError,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    KeycloakClient, server_message,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy


def client(**kwargs):
    kwargs.setdefault("token", "t0ken")
    return KeycloakClient("https://kc.example.com", realm="platform",
                          retry=RetryPolicy(attempts=3, sleep=lambda s: None), **kwargs)


def raiser(*errors):
    errors = list(errors)
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"
    fn.calls = calls
    return fn


def test_status_becomes_typed_error_with_the_server_message():
    err = KeycloakGetError(error_message=b'{"error":"Realm not found."}', response_code=404)
    with pytest.raises(NotFound) as info:
        client().call("GET", "/admin/realms/platform/clients", raiser(err))
    assert str(info.value) == ("keycloak GET /admin/realms/platform/clients: 404 Realm not found. "
                               "- check that the realm exists (realm)")


def test_token_grant_rejection_names_the_credential_options():
    err = KeycloakAuthenticationError(
        error_message=b'{"error":"invalid_grant","error_description":"Invalid user credentials"}',
        response_code=401)
    with pytest.raises(Unauthorized) as info:
        client().call("POST", "/realms/master/protocol/openid-connect/token", raiser(err))
    assert "Invalid user credentials" in str(info.value) and "auth_password" in str(info.value)


def test_tls_failure_hint_names_validate_certs_and_ca_path():
    exc = KeycloakConnectionError("Can't connect to server")
    exc.__cause__ = requests.exceptions.SSLError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)")
    fn = raiser(exc)
    with pytest.raises(TLSError) as info:
        client().call("GET", "/x", fn)
    assert "validate_certs" in str(info.value) and "ca_path" in str(info.value)
    assert "certificate verify failed: self-signed certificate" in str(info.value)
    assert len(fn.calls) == 1  # never retried


def test_idempotent_calls_retry_503_and_broken_connections_post_does_not():
    fn = raiser(KeycloakGetError(error_message="busy", response_code=503),
                KeycloakConnectionError("Can't connect to server"))
    assert client().call("GET", "/x", fn) == "ok" and len(fn.calls) == 3
    fn = raiser(KeycloakGetError(error_message="busy", response_code=503))
    with pytest.raises(ServerError):
        client().call("POST", "/x", fn)
    with pytest.raises(TransportError) as info:
        client().call("POST", "/x", raiser(KeycloakConnectionError("Can't connect to server")))
    assert info.value.ambiguous


def test_bad_request_and_missing_credentials():
    with pytest.raises(BadRequest):
        client().call("PUT", "/x", raiser(KeycloakGetError(error_message="bad", response_code=400)))
    with pytest.raises(ValidationError) as info:
        KeycloakClient("https://kc.example.com").call("GET", "/x", raiser())
    assert "auth_username" in str(info.value)


def test_server_message_shapes():
    assert server_message(KeycloakGetError(error_message=b'{"errorMessage":"x exists"}')) == "x exists"
    assert server_message(KeycloakGetError(error_message="plain text")) == "plain text"
    assert server_message(KeycloakGetError(error_message=b"")) == "error"


def test_the_token_request_is_repeated_after_a_lost_connection_and_a_busy_answer():
    lost = KeycloakConnectionError("Can't connect to server")
    lost.__cause__ = requests.exceptions.ConnectionError("Remote end closed connection without response")
    busy = KeycloakGetError(error_message=b"", response_code=503)
    fn = raiser(lost, busy)
    kc = client(token=None, auth_username="admin", auth_password="pw")
    kc.connection.get_token = fn
    kc.login()
    assert len(fn.calls) == 3 and kc.logged_in
