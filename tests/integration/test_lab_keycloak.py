"""The lab's Keycloak is the real server, reached over HTTPS signed by the lab CA."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, TLSError, Unauthorized,
)
from ansible_collections.berth.platform.plugins.module_utils.http_client import HttpClient

from conftest import require


def token_form(username, password):
    return {"grant_type": "password", "client_id": "admin-cli",
            "username": username, "password": password}


@pytest.fixture(scope="module")
def keycloak(lab):
    url, user, password, ca, version = require(
        lab, "KEYCLOAK_URL", "KEYCLOAK_USERNAME", "KEYCLOAK_PASSWORD", "KEYCLOAK_CA_PATH",
        "KEYCLOAK_VERSION")
    return dict(url=url, user=user, password=password, ca=ca, version=version)


def test_admin_token_over_https_with_lab_ca(keycloak):
    c = HttpClient(keycloak["url"], ca_path=keycloak["ca"])
    token = c.request("POST", "/realms/master/protocol/openid-connect/token",
                      data=token_form(keycloak["user"], keycloak["password"])).json()
    assert token["token_type"].lower() == "bearer" and token["access_token"].count(".") == 2
    info = HttpClient(keycloak["url"], ca_path=keycloak["ca"], token=token["access_token"]) \
        .get_json("/admin/serverinfo")
    assert info["systemInfo"]["version"] == keycloak["version"]


def test_default_tls_verification_rejects_the_lab_ca_with_a_clear_error(keycloak):
    with pytest.raises(TLSError) as info:
        HttpClient(keycloak["url"]).get_json("/realms/master")
    message = str(info.value)
    assert "ca_path" in message and "validate_certs" in message
    # The same URL is fine once the CA is given: the failure really was trust.
    assert HttpClient(keycloak["url"], ca_path=keycloak["ca"]).get_json("/realms/master")["realm"] == "master"


def test_wrong_password_is_rejected_with_the_server_message(keycloak):
    # Keycloak 26 answers a bad password grant with 400 invalid_grant (older: 401).
    c = HttpClient(keycloak["url"], ca_path=keycloak["ca"])
    with pytest.raises((BadRequest, Unauthorized)) as info:
        c.request("POST", "/realms/master/protocol/openid-connect/token",
                  data=token_form(keycloak["user"], "wrong-" + keycloak["password"]))
    assert "Invalid user credentials" in str(info.value)
    assert keycloak["password"] not in str(info.value)
