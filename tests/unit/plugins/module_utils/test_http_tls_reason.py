"""TLS failures from HttpClient name the root cause, not requests'/urllib3's wrapping of it."""

import ssl

import pytest
import requests
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import SSLError as Urllib3SSLError

from ansible_collections.berth.platform.plugins.module_utils import errors
from ansible_collections.berth.platform.plugins.module_utils.http_client import (
    TLS_HINT, HttpClient, tls_reason,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

SELF_SIGNED = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
               "in certificate chain (_ssl.c:1006)")
HOSTNAME = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
            "certificate is not valid for 'harbor.test'. (_ssl.c:1006)")


def wrapped(openssl_text):
    """What requests raises: SSLError(MaxRetryError(... reason=SSLError(SSLCertVerificationError)))."""
    cause = Urllib3SSLError(ssl.SSLCertVerificationError(1, openssl_text))
    return requests.exceptions.SSLError(
        MaxRetryError(None, "/api/v2.0/projects?page=1", reason=cause))


def failing_client(monkeypatch, exc):
    session = requests.Session()

    def refuse(*args, **kwargs):
        raise exc

    monkeypatch.setattr(session, "request", refuse)
    client = HttpClient("https://harbor.test/api/v2.0", session=session,
                        retry=RetryPolicy(sleep=lambda s: None, rand=lambda: 0))
    client.service = "harbor"
    return client


@pytest.mark.parametrize("exc", [wrapped(SELF_SIGNED),
                                 requests.exceptions.SSLError(repr(wrapped(SELF_SIGNED)))])
def test_tls_message_is_the_root_cause_only(monkeypatch, exc):
    with pytest.raises(errors.TLSError) as info:
        failing_client(monkeypatch, exc).get_json("/projects")
    message = str(info.value)
    assert message == ("harbor GET /projects: TLS verification failed (certificate verify failed: "
                       "self-signed certificate in certificate chain) - " + TLS_HINT)
    assert "certificate verify failed: self-signed certificate in certificate chain" in message
    for clutter in ("SSLError(", "MaxRetryError", "_ssl.c", "SSLCertVerificationError", "page=1"):
        assert clutter not in message
    assert "validate_certs" in message and "ca_path" in message
    assert info.value.details()["path"] == "/projects" and info.value.details()["method"] == "GET"
    assert not info.value.retryable


def test_hostname_mismatch_keeps_the_name():
    assert tls_reason(wrapped(HOSTNAME)) == (
        "certificate verify failed: Hostname mismatch, certificate is not valid for 'harbor.test'")


def test_other_tls_failures_and_unknown_text():
    handshake = requests.exceptions.SSLError(MaxRetryError(None, "/", reason=Urllib3SSLError(
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"))))
    assert tls_reason(handshake) == "wrong version number"
    legacy = requests.exceptions.SSLError(MaxRetryError(None, "/", reason=Urllib3SSLError(
        ValueError("hostname 'a.test' doesn't match 'b.test'"))))
    assert tls_reason(legacy) == "hostname 'a.test' doesn't match 'b.test'"
    assert tls_reason(requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED")) == "CERTIFICATE_VERIFY_FAILED"
