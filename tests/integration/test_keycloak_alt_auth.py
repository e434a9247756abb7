"""Modules authenticate with a service account (client credentials) or a ready token,
against the lab's real Keycloak, and neither secret shows in -vvv output."""

import secrets
import uuid

import pytest
import requests

from conftest import require

NO_PASSWORD = {"KEYCLOAK_USERNAME": None, "KEYCLOAK_PASSWORD": None}


@pytest.fixture
def automation(lab, kc_admin):
    url, ca = require(lab, "KEYCLOAK_URL", "KEYCLOAK_CA_PATH")
    admin = kc_admin
    client_id = "berth-automation-" + uuid.uuid4().hex[:6]
    secret = secrets.token_urlsafe(24)
    internal_id = admin.create_client({"clientId": client_id, "publicClient": False, "secret": secret,
                                       "serviceAccountsEnabled": True, "standardFlowEnabled": False})
    account = admin.get_client_service_account_user(internal_id)
    admin.assign_realm_roles(account["id"], [admin.get_realm_role("admin")])
    realm = "it-auth-" + uuid.uuid4().hex[:8]
    admin.create_realm({"realm": realm, "enabled": True})
    yield dict(url=url, ca=ca, client_id=client_id, secret=secret, realm=realm, admin=admin)
    admin.change_current_realm("master")
    admin.delete_realm(realm)
    admin.delete_client(internal_id)


def test_service_account_then_token(automation, run_playbook):
    a = automation
    proc = run_playbook("keycloak_alt_auth", extra_vars={"realm": a["realm"], "mode": "client_credentials"},
                        verbosity=3, env_overrides=dict(NO_PASSWORD, KEYCLOAK_CLIENT_ID=a["client_id"],
                                                        KEYCLOAK_CLIENT_SECRET=a["secret"]))
    assert "failed=0" in proc.stdout and a["secret"] not in proc.stdout + proc.stderr
    a["admin"].change_current_realm(a["realm"])
    assert [g["name"] for g in a["admin"].get_groups()] == ["via-service-account"]

    token = requests.post(a["url"] + "/realms/master/protocol/openid-connect/token", verify=a["ca"], timeout=30,
                          data={"grant_type": "client_credentials", "client_id": a["client_id"],
                                "client_secret": a["secret"]}).json()["access_token"]
    proc = run_playbook("keycloak_alt_auth", extra_vars={"realm": a["realm"], "mode": "token"},
                        verbosity=3, env_overrides=dict(NO_PASSWORD, KEYCLOAK_TOKEN=token))
    assert "failed=0" in proc.stdout and token not in proc.stdout + proc.stderr
