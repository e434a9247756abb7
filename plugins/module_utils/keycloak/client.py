# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way into Keycloak: python-keycloak behind typed errors. No Ansible imports.

``KeycloakClient.call`` runs one python-keycloak call and turns whatever it
raises into ``errors``: ``KeycloakError.response_code`` picks the typed error,
a certificate failure becomes ``TLSError`` (hint names ``validate_certs`` and
``ca_path``), an unreachable server ``TransportError``. Idempotent calls are
retried under the collection's ``RetryPolicy``; POSTs never are (``ensure``
re-reads instead). Nothing sent (payloads, credentials, tokens) is copied into
an error.

python-keycloak's ``KeycloakAdmin`` talks through ``AdminConnection`` (one
requests session for the token and the admin calls) rather than through its own
``KeycloakOpenIDConnection``, which costs a module run about 0.1 s more (see
``AdminConnection`` and docs/performance.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import re
import ssl
import sys
import time
import traceback
from urllib.parse import urljoin

# Importing python-keycloak costs every task: its package imports all of it, the async
# and token-decoding parts included, which KeycloakAdmin's calls never touch. Two cuts
# that leave the library's behaviour alone (docs/performance.md has the numbers):
# - httpx (for the async API) imports its command-line client whenever click, rich and
#   pygments are installed (ansible-lint and ansible-navigator bring them), about 50 ms.
#   A None entry in sys.modules makes that one optional import fail, which httpx
#   handles; the entry is removed right after, so nothing else in the process sees it.
# - jwcrypto (with cryptography), about 35 ms, serves only token decoding: registered
#   with importlib's LazyLoader, it loads for real on first use, never in these modules.
#   (aiofiles would be the next candidate, but `import aiofiles` touches the module and
#   so loads it at once on Python 3.11.)
_BLOCK_HTTPX_CLI = "httpx" not in sys.modules and "httpx._main" not in sys.modules


def _import_lazily(name):
    """Put ``name`` in sys.modules so that it executes on first attribute access."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _dot, child = name.rpartition(".")
    if parent:  # as the import system does, so that `import a.b; a.b.x` works
        setattr(sys.modules[parent], child, module)


if _BLOCK_HTTPX_CLI:
    sys.modules["httpx._main"] = None
try:
    for _name in ("jwcrypto.jwk", "jwcrypto.jwt"):
        _import_lazily(_name)
    import requests
    from requests.adapters import HTTPAdapter
    from keycloak import KeycloakAdmin
    from keycloak.exceptions import (
        KeycloakConnectionError, KeycloakError, KeycloakPostError, raise_error_from_response,
    )
    HAS_KEYCLOAK = True
    KEYCLOAK_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_KEYCLOAK = False
    KEYCLOAK_IMPORT_ERROR = traceback.format_exc()
finally:
    if _BLOCK_HTTPX_CLI and "httpx._main" in sys.modules and sys.modules["httpx._main"] is None:
        del sys.modules["httpx._main"]

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    ApiError, TLSError, TransportError, ValidationError, error_for_status,
)
from ansible_collections.berth.platform.plugins.module_utils.http_client import (
    TLS_HINT, message_in, verify_setting,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy
from ansible_collections.berth.platform.plugins.module_utils.version import USER_AGENT

SERVICE = "keycloak"
# A token is renewed when 90 % of its lifetime has passed (python-keycloak's rule).
_TOKEN_LIFETIME_FRACTION = 0.9
_CREDENTIALS_HINT = ("check auth_username/auth_password (or auth_client_id/auth_client_secret) "
                     "and auth_realm")


def server_message(error):
    """The human text of a python-keycloak error (its body may be JSON bytes)."""
    text = error.error_message
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = (text or "").strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text[:300] or "error"
    message = message_in(body)
    return text[:300] if message is None else message


def _is_tls_failure(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (requests.exceptions.SSLError, ssl.SSLError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _root_cause(exc):
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc)
    verify = re.search(r"certificate verify failed[^(')]*", text)
    if verify:
        return verify.group(0).strip()
    if "Caused by " in text:
        text = text.split("Caused by ", 1)[1]
    return text.strip(" ()'\"")[:240]


class AdminConnection:
    """The connection python-keycloak's ``KeycloakAdmin`` talks through, on one requests session.

    ``KeycloakAdmin`` needs ``raw_get``/``raw_post``/``raw_put``/``raw_delete``,
    ``realm_name`` and ``headers``. python-keycloak's ``KeycloakOpenIDConnection``
    also builds two httpx AsyncClients (one for itself, one for the ``KeycloakOpenID``
    that fetches tokens; each loads httpcore and a TLS context) for async calls the
    collection never makes, and fetches the token over a second session, so a second
    TLS handshake. Here the token request and the admin calls share one keep-alive
    connection.

    Tokens: the password grant (``username``/``password``) or client credentials
    (``client_secret``) in ``user_realm_name``; renewed once 90 % of their lifetime
    has passed and once more on a 401, as python-keycloak does. A ready ``token`` is
    sent as it is. Like python-keycloak's ``ConnectionManager``, a request that
    cannot be sent raises ``KeycloakConnectionError`` (the cause chained, for the TLS
    check) and an error answer is returned for ``raise_error_from_response``.
    """

    def __init__(self, server_url, realm_name="master", user_realm_name="master", client_id="admin-cli",
                 client_secret=None, username=None, password=None, token=None, verify=True, timeout=30):
        self.base_url = server_url.rstrip("/") + "/"
        self.realm_name = realm_name
        self.user_realm_name = user_realm_name
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.verify = verify
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.renew_at = None
        self.session = requests.Session()
        self.session.auth = lambda request: request  # never credentials from ~/.netrc
        # urllib3's default would resend a POST whose answer was lost, so a create that
        # landed would come back as 409. Retries are the collection's alone.
        for prefix in ("https://", "http://"):
            self.session.mount(prefix, HTTPAdapter(max_retries=0))

    @property
    def grant_type(self):
        if self.username and self.password:
            return "password"
        if self.client_secret:
            return "client_credentials"
        return None

    def get_token(self):
        """Fetch an admin token: one POST to ``user_realm_name``'s token endpoint."""
        payload = {"grant_type": self.grant_type, "client_id": self.client_id}
        if self.grant_type == "password":
            payload.update(username=self.username, password=self.password)
        if self.client_secret:
            payload["client_secret"] = self.client_secret
        response = self.send("POST", "realms/%s/protocol/openid-connect/token" % self.user_realm_name,
                             data=payload, headers={"User-Agent": USER_AGENT})
        token = raise_error_from_response(response, KeycloakPostError)
        if not isinstance(token, dict) or not token.get("access_token"):
            raise TypeError("the token endpoint answered without an access_token")
        self.headers["Authorization"] = "Bearer " + token["access_token"]
        lifetime = token.get("expires_in")
        self.renew_at = time.time() + _TOKEN_LIFETIME_FRACTION * lifetime if lifetime else None

    def raw_get(self, path, **params):
        return self.request("GET", path, params)

    def raw_post(self, path, data, **params):
        return self.request("POST", path, params, data)

    def raw_put(self, path, data, **params):
        return self.request("PUT", path, params, data)

    def raw_delete(self, path, data=None, **params):
        return self.request("DELETE", path, params, data)

    def request(self, method, path, params, data=None):
        renewable = self.grant_type is not None
        if renewable and self.renew_at is not None and time.time() >= self.renew_at:
            self.get_token()
        response = self.send(method, path, params=params, data=data, headers=self.headers)
        if response.status_code == 401 and renewable:
            self.get_token()
            response = self.send(method, path, params=params, data=data, headers=self.headers)
        return response

    def send(self, method, path, **kwargs):
        try:
            # urljoin as python-keycloak: it also folds the // of group-by-path//name
            return self.session.request(method, urljoin(self.base_url, path), timeout=self.timeout,
                                        verify=self.verify, **kwargs)
        except Exception as exc:  # as python-keycloak's ConnectionManager: the cause stays chained
            raise KeycloakConnectionError("Can't connect to server") from exc


class KeycloakClient:
    """An authenticated Keycloak admin session for one managed realm."""

    service = SERVICE

    def __init__(self, url, realm="master", auth_realm="master", auth_client_id="admin-cli",
                 auth_client_secret=None, auth_username=None, auth_password=None, token=None,
                 validate_certs=True, ca_path=None, connection_timeout=30, retry=None):
        if not HAS_KEYCLOAK:
            raise ImportError("python-keycloak is required: %s" % KEYCLOAK_IMPORT_ERROR)
        self.has_credentials = bool(token or auth_client_secret or (auth_username and auth_password))
        self.url = url.rstrip("/")
        self.auth_realm = auth_realm
        self.retry = retry or RetryPolicy()
        self.connection = AdminConnection(
            self.url, realm_name=realm, user_realm_name=auth_realm, client_id=auth_client_id,
            client_secret=auth_client_secret, username=None if token else auth_username,
            password=None if token else auth_password, token=token,
            verify=verify_setting(validate_certs, ca_path), timeout=connection_timeout)
        self.admin = KeycloakAdmin(connection=self.connection)
        self.static_token = bool(token)
        self.logged_in = self.static_token

    @classmethod
    def from_params(cls, params, realm=None):
        """A client from the module's connection options (see ``connection.KEYCLOAK``)."""
        return cls(params["auth_keycloak_url"], realm=realm or params.get("realm") or "master",
                   auth_realm=params["auth_realm"], auth_client_id=params["auth_client_id"],
                   auth_client_secret=params.get("auth_client_secret"),
                   auth_username=params.get("auth_username"),
                   auth_password=params.get("auth_password"), token=params.get("token"),
                   validate_certs=params["validate_certs"], ca_path=params.get("ca_path"),
                   connection_timeout=params["connection_timeout"])

    @property
    def realm(self):
        return self.connection.realm_name

    def use_realm(self, realm):
        """Manage ``realm`` from now on (authentication stays in ``auth_realm``)."""
        self.admin.change_current_realm(realm)

    def login(self):
        """Get the admin token (done by the first call; the connection renews it later)."""
        if not self.has_credentials:
            raise ValidationError(
                "no Keycloak credentials: set auth_username and auth_password, "
                "auth_client_secret, or token", service=SERVICE)
        self.logged_in = True
        path = "/realms/%s/protocol/openid-connect/token" % self.auth_realm
        try:
            # A token request changes nothing on the server: safe to repeat after a lost answer.
            self.call("POST", path, self.connection.get_token, idempotent=True)
        except Exception:
            self.logged_in = False
            raise

    def admin_path(self, suffix=""):
        return "/admin/realms/%s%s" % (self.realm, suffix)

    # -- the one call ----------------------------------------------------------
    def call(self, method, path, fn, *args, idempotent=False, **kwargs):
        """Run ``fn(*args, **kwargs)``; python-keycloak failures become typed errors.

        ``idempotent=True`` marks a call that is safe to repeat although its method is not
        (the token request), so the retry policy may repeat it."""
        if not self.logged_in:
            self.login()
        retry_as = "PUT" if idempotent else method
        retry_index = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except KeycloakConnectionError as exc:
                if _is_tls_failure(exc):
                    raise TLSError("TLS verification failed (%s)" % _root_cause(exc),
                                   service=SERVICE, method=method, path=path, hint=TLS_HINT)
                if self.retry.should_retry(retry_as, retry_index, transport_error=True):
                    self.retry.wait(retry_index)
                    retry_index += 1
                    continue
                raise TransportError(
                    "cannot reach %s (%s)" % (self.url, _root_cause(exc)), service=SERVICE,
                    method=method, path=path, ambiguous=retry_as not in ("GET", "HEAD"),
                    hint="check auth_keycloak_url, the network and the server's state")
            except KeycloakError as exc:
                status = exc.response_code
                if status is None:
                    raise ApiError(server_message(exc), service=SERVICE, method=method, path=path)
                if self.retry.should_retry(retry_as, retry_index, status=status):
                    self.retry.wait(retry_index)
                    retry_index += 1
                    continue
                message = server_message(exc)
                raise error_for_status(status, message, service=SERVICE, method=method, path=path,
                                       hint=self.hint_for(status, path, message))
            except (TypeError, ValueError) as exc:
                # python-keycloak's own surprises (e.g. a 201 without Location).
                raise ApiError("unexpected answer from Keycloak (%s)" % exc, service=SERVICE,
                               method=method, path=path)

    def hint_for(self, status, path, message=""):
        token_call = path.endswith("/protocol/openid-connect/token")
        if token_call and status in (400, 401):
            return _CREDENTIALS_HINT
        if status == 401:
            return ("the token was rejected: check token, or the credentials"
                    if self.static_token else _CREDENTIALS_HINT)
        if status == 403:
            return ("the authenticated account lacks admin rights for realm %s "
                    "(realm-management roles)" % self.realm)
        if status == 404 and "realm" in message.lower():
            return "check that the realm exists (%s)" % ("auth_realm" if token_call else "realm")
        return None

    # -- raw access for endpoints python-keycloak lacks ---------------------
    def get(self, suffix, **query):
        """GET an admin path below the managed realm (JSON)."""
        from keycloak.exceptions import KeycloakGetError, raise_error_from_response
        path = self.admin_path(suffix)
        return self.call("GET", path, lambda: raise_error_from_response(
            self.connection.raw_get(path.lstrip("/"), **query), KeycloakGetError))
