# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client base shared by the Harbor and Keycloak clients. No Ansible imports.

- TLS verification on by default; ``ca_path`` names a CA bundle.
- Never keeps cookies: Harbor turns on CSRF checks once a session cookie is sent.
- Failures become typed errors from ``errors``; nothing sent (body, headers,
  credentials) is ever copied into an error.
- Retries follow ``retry.RetryPolicy``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import traceback

try:
    import requests
    from requests.cookies import cookiejar_from_dict
    from http.cookiejar import DefaultCookiePolicy
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module base
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    TLSError, TransportError, error_for_status,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import (
    RetryPolicy, parse_retry_after,
)
from ansible_collections.berth.platform.plugins.module_utils.version import USER_AGENT

TLS_HINT = ("set ca_path to the CA that signed the server certificate, "
            "or validate_certs: false for a throwaway lab")


# Where JSON error bodies put their human text (Harbor/Keycloak/OAuth2 shapes).
MESSAGE_KEYS = ("errorMessage", "error_description", "message", "error")


def message_in(body):
    """The first string under MESSAGE_KEYS of a decoded error body, or None."""
    if isinstance(body, dict):
        for key in MESSAGE_KEYS:
            if isinstance(body.get(key), str):
                return body[key]
    return None


def verify_setting(validate_certs=True, ca_path=None):
    """The value for requests' ``verify``: a CA bundle path, True, or False."""
    if not validate_certs:
        return False
    return ca_path or True


class HttpClient:
    """A JSON-over-HTTP client with one base URL.

    Subclasses set ``service`` (used in error messages) and may override
    ``server_message`` to pull the human text out of their error bodies.
    """

    service = "http"

    def __init__(self, base_url, auth=None, token=None, validate_certs=True, ca_path=None,
                 timeout=30, retry=None, headers=None, session=None):
        if not HAS_REQUESTS:
            raise ImportError("the requests Python library is required: %s" % REQUESTS_IMPORT_ERROR)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.cookies = cookiejar_from_dict({})
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        # Passed on every request too: requests lets REQUESTS_CA_BUNDLE override a
        # session-level CA path, which would silently ignore ca_path.
        self.verify = self.session.verify = verify_setting(validate_certs, ca_path)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        if auth:
            self.session.auth = auth
        if token:
            self.session.headers["Authorization"] = "Bearer %s" % token

    # -- hooks -------------------------------------------------------------
    def server_message(self, response):
        """Human-readable message from an error response body."""
        try:
            body = response.json()
        except ValueError:
            text = (response.text or "").strip()
            return text[:300] or response.reason or "error"
        message = message_in(body)
        return json.dumps(body)[:300] if message is None else message

    def hint_for(self, status, method, path):
        """Optional advice appended to an error; subclasses add service knowledge."""
        if status == 401:
            return "check the username/password or token"
        return None

    # -- core ----------------------------------------------------------------
    def pool_size(self, connections):
        """Keep up to ``connections`` connections open to the server (requests keeps 10 by
        default): threads beyond that would each pay a new TLS handshake per request."""
        prefix = self.base_url.split("://", 1)[0] + "://"
        # Only an HTTP adapter is replaced, never a transport a caller mounted (tests, proxies).
        if connections > 10 and isinstance(self.session.get_adapter(self.base_url), requests.adapters.HTTPAdapter):
            self.session.mount(prefix, requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=connections,
                                                                     max_retries=0))

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(self, method, path, params=None, json_body=None, data=None, headers=None,
                expect_json=True, idempotent=None, auth=None):
        """Send one request with retries; return ``requests.Response`` for 2xx/3xx, else raise.

        ``idempotent=True`` marks a call that is safe to repeat although its method is
        not (a PATCH that sets an explicit value), so the retry policy may repeat it.
        ``auth`` replaces the session's credentials for this one request.
        """
        method = method.upper()
        retry_as = "PUT" if idempotent else method
        retry_index = 0
        while True:
            try:
                response = self.session.request(
                    method, self.url(path), params=params, json=json_body, data=data,
                    headers=headers, timeout=self.timeout, verify=self.verify,
                    allow_redirects=False, auth=auth)
            except requests.exceptions.SSLError as exc:
                raise TLSError("TLS verification failed (%s)" % tls_reason(exc), service=self.service,
                               method=method, path=path, hint=TLS_HINT)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if self.retry.should_retry(retry_as, retry_index, transport_error=True):
                    self.retry.wait(retry_index)
                    retry_index += 1
                    continue
                raise TransportError(
                    "cannot reach %s (%s)" % (self.base_url, _short(exc)), service=self.service,
                    method=method, path=path, ambiguous=retry_as not in ("GET", "HEAD"),
                    hint="check the URL, the network and the server's state")
            if response.status_code < 400:
                return response
            if self.retry.should_retry(retry_as, retry_index, status=response.status_code):
                self.retry.wait(retry_index, parse_retry_after(response.headers.get("Retry-After")))
                retry_index += 1
                continue
            raise error_for_status(response.status_code, self.server_message(response),
                                   service=self.service, method=method, path=path,
                                   hint=self.hint_for(response.status_code, method, path))

    def get_json(self, path, params=None):
        response = self.request("GET", path, params=params)
        return response.json() if response.content else None

    def send_json(self, method, path, body=None, params=None):
        response = self.request(method, path, params=params, json_body=body)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None


def _short(exc):
    """The last, most specific line of a requests/urllib3 exception, without URLs' query strings."""
    text = str(exc)
    for sep in ("Caused by ", "(Caused by"):
        if sep in text:
            text = text.split(sep, 1)[1]
    return text.strip(" ()'\"")[:240]


# OpenSSL's own text inside the nested requests/urllib3 wrapping, e.g.
# "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: <why> (_ssl.c:1006)".
_SSL_LIBRARY_TEXT = re.compile(r"\[SSL(?:: [A-Z0-9_]+)?\] (.+?)\.?\s*\(_ssl\.c:\d+\)")
_VERIFY_FAILED = re.compile(r"certificate verify failed[^(')\]]*")
_HOSTNAME = re.compile(r"hostname '[^']*' doesn't match[^)\]\"]*|Hostname mismatch[^)\]\"]*")


def tls_reason(exc):
    """The root cause of a TLS failure ("certificate verify failed: ..."), not its wrapping."""
    text = str(exc)
    for pattern in (_SSL_LIBRARY_TEXT, _VERIFY_FAILED, _HOSTNAME):
        found = pattern.search(text)
        if found:
            reason = found.group(found.lastindex or 0).strip().rstrip(". ")
            if reason:
                return reason[:240]
    return _short(exc)
