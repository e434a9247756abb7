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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import ssl
import traceback

try:
    import requests
    from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
    from keycloak.exceptions import KeycloakConnectionError, KeycloakError
    HAS_KEYCLOAK = True
    KEYCLOAK_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_KEYCLOAK = False
    KEYCLOAK_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    ApiError, TLSError, TransportError, ValidationError, error_for_status,
)
from ansible_collections.berth.platform.plugins.module_utils.http_client import (
    TLS_HINT, message_in, verify_setting,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

SERVICE = "keycloak"
# A ready token has no lifetime we know of; Keycloak's 401 tells when it expired.
_STATIC_TOKEN_LIFETIME = 10 * 365 * 24 * 3600
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
        self.connection = KeycloakOpenIDConnection(
            server_url=self.url + "/", realm_name=realm, user_realm_name=auth_realm,
            client_id=auth_client_id, client_secret_key=auth_client_secret,
            username=None if token else auth_username, password=None if token else auth_password,
            token={"access_token": token, "expires_in": _STATIC_TOKEN_LIFETIME} if token else None,
            verify=verify_setting(validate_certs, ca_path), timeout=connection_timeout,
            # python-keycloak's default (1) lets urllib3 resend a POST whose answer was
            # lost, so a create that landed comes back as 409. Retries are ours alone.
            max_retries=0)
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
        """Get the admin token (done by the first call; python-keycloak refreshes it later)."""
        if not self.has_credentials:
            raise ValidationError(
                "no Keycloak credentials: set auth_username and auth_password, "
                "auth_client_secret, or token", service=SERVICE)
        self.logged_in = True
        path = "/realms/%s/protocol/openid-connect/token" % self.auth_realm
        try:
            self.call("POST", path, self.connection.get_token)
        except Exception:
            self.logged_in = False
            raise

    def admin_path(self, suffix=""):
        return "/admin/realms/%s%s" % (self.realm, suffix)

    # -- the one call ----------------------------------------------------------
    def call(self, method, path, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)``; python-keycloak failures become typed errors."""
        if not self.logged_in:
            self.login()
        retry_index = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except KeycloakConnectionError as exc:
                if _is_tls_failure(exc):
                    raise TLSError("TLS verification failed (%s)" % _root_cause(exc),
                                   service=SERVICE, method=method, path=path, hint=TLS_HINT)
                if self.retry.should_retry(method, retry_index, transport_error=True):
                    self.retry.wait(retry_index)
                    retry_index += 1
                    continue
                raise TransportError(
                    "cannot reach %s (%s)" % (self.url, _root_cause(exc)), service=SERVICE,
                    method=method, path=path, ambiguous=method not in ("GET", "HEAD"),
                    hint="check auth_keycloak_url, the network and the server's state")
            except KeycloakError as exc:
                status = exc.response_code
                if status is None:
                    raise ApiError(server_message(exc), service=SERVICE, method=method, path=path)
                if self.retry.should_retry(method, retry_index, status=status):
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
