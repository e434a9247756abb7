"""AdminConnection: the one requests session python-keycloak's KeycloakAdmin talks through
(unit level: a scripted session, no server)."""

import json
import sys

import pytest
import requests
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakConnectionError

from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    AdminConnection, KeycloakClient,
)


class Answer:
    def __init__(self, status, body=None):
        self.status_code = status
        self.content = json.dumps(body).encode() if body is not None else b""

    def json(self):
        return json.loads(self.content)


class Session:
    """Records requests and answers from a script (an exception in it is raised)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append(dict(method=method, url=url, **kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def connection(*answers, **kwargs):
    kwargs.setdefault("username", "admin")
    kwargs.setdefault("password", "pw")
    conn = AdminConnection("https://kc.example.com", realm_name="platform", **kwargs)
    conn.session = Session(*answers)
    return conn


TOKEN = Answer(200, {"access_token": "a1", "expires_in": 60})


def test_password_grant_in_the_auth_realm_then_admin_calls_carry_the_token():
    conn = connection(TOKEN, Answer(200, [{"id": "g1"}]))
    conn.get_token()
    assert conn.raw_get("admin/realms/platform/groups", briefRepresentation=True).json() == [{"id": "g1"}]
    token, get = conn.session.sent
    assert token["method"] == "POST"
    assert token["url"] == "https://kc.example.com/realms/master/protocol/openid-connect/token"
    assert token["data"] == {"grant_type": "password", "client_id": "admin-cli", "username": "admin",
                             "password": "pw"}
    assert "Authorization" not in token["headers"]
    assert get["headers"]["Authorization"] == "Bearer a1"
    assert get["params"] == {"briefRepresentation": True}


def test_client_credentials_grant_sends_the_secret():
    conn = connection(TOKEN, username=None, password=None, client_secret="s3cret", user_realm_name="ops")
    conn.get_token()
    sent = conn.session.sent[0]
    assert sent["url"].endswith("/realms/ops/protocol/openid-connect/token")
    assert sent["data"] == {"grant_type": "client_credentials", "client_id": "admin-cli", "client_secret": "s3cret"}


def test_expired_token_is_renewed_before_the_call_and_a_401_once_after_it():
    conn = connection(TOKEN, TOKEN, Answer(401, {"error": "expired"}), TOKEN, Answer(200, {"ok": 1}))
    conn.get_token()
    conn.renew_at = 0  # past
    assert conn.raw_get("admin/realms/platform").json() == {"ok": 1}
    assert [s["method"] for s in conn.session.sent] == ["POST", "POST", "GET", "POST", "GET"]


def test_a_ready_token_is_sent_as_is_and_its_401_returned():
    conn = connection(Answer(401, {"error": "HTTP 401 Unauthorized"}), username=None, password=None, token="t0k")
    assert conn.raw_get("admin/realms/platform").status_code == 401
    assert len(conn.session.sent) == 1 and conn.session.sent[0]["headers"]["Authorization"] == "Bearer t0k"


def test_rejected_credentials_raise_python_keycloaks_authentication_error():
    conn = connection(Answer(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"}))
    with pytest.raises(KeycloakAuthenticationError):
        conn.get_token()


def test_a_token_answer_without_access_token_is_unexpected():
    with pytest.raises(TypeError):
        connection(Answer(200, {"token_type": "Bearer"})).get_token()


def test_unsent_request_raises_connection_error_with_its_cause():
    cause = requests.exceptions.SSLError("certificate verify failed")
    conn = connection(cause)
    with pytest.raises(KeycloakConnectionError) as info:
        conn.raw_post("admin/realms/platform/groups", data="{}")
    assert info.value.__cause__ is cause


def test_paths_are_joined_as_python_keycloak_does():
    # KeycloakAdmin builds group-by-path//name for /name; Keycloak refuses a path that is not normalized.
    conn = connection(Answer(200, {}), token="t", username=None, password=None)
    conn.raw_get("admin/realms/platform/group-by-path//team-a")
    assert conn.session.sent[0]["url"] == "https://kc.example.com/admin/realms/platform/group-by-path/team-a"


def test_keycloak_admin_talks_through_it_and_switches_realms():
    kc = KeycloakClient("https://kc.example.com/", realm="platform", token="t")
    kc.connection.session = Session(Answer(200, [{"id": "c1", "clientId": "harbor"}]))
    assert kc.admin.get_clients() == [{"id": "c1", "clientId": "harbor"}]
    assert kc.connection.session.sent[0]["url"] == "https://kc.example.com/admin/realms/platform/clients"
    kc.use_realm("other")
    assert kc.realm == "other"


def test_the_httpx_cli_block_is_gone_after_the_import():
    assert sys.modules.get("httpx._main", "absent") is not None
