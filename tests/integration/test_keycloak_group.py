"""keycloak_group against the lab's real Keycloak, and the groups-claim token proof.

Every test gets a realm of its own (with user `demo`), created with python-keycloak and
deleted after.
"""

import base64
import json
import secrets
import uuid

import pytest
from keycloak import KeycloakOpenID


@pytest.fixture
def realm(kc_admin):
    name = "it-group-" + uuid.uuid4().hex[:8]
    kc_admin.create_realm({"realm": name, "enabled": True})
    kc_admin.change_current_realm(name)
    password = secrets.token_urlsafe(16)
    kc_admin.create_user({"username": "demo", "enabled": True, "email": "demo@example.com",
                          "emailVerified": True, "firstName": "Demo", "lastName": "User",
                          "credentials": [{"type": "password", "value": password, "temporary": False}]})
    yield dict(name=name, password=password)
    kc_admin.change_current_realm("master")
    kc_admin.delete_realm(name)


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_group_lifecycle(realm, run_playbook):
    proc = run_playbook("keycloak_group", extra_vars={"realm": realm["name"]})
    assert "failed=0" in proc.stdout


def test_groups_claim_is_the_plain_group_name(realm, run_playbook, lab):
    client_secret = secrets.token_urlsafe(24)
    run_playbook("keycloak_token_proof", extra_vars={"realm": realm["name"], "client_secret": client_secret})
    oidc = KeycloakOpenID(server_url=lab["KEYCLOAK_URL"] + "/", realm_name=realm["name"],
                          client_id="token-proof", client_secret_key=client_secret,
                          verify=lab["KEYCLOAK_CA_PATH"])
    token = oidc.token("demo", realm["password"], scope="openid")
    assert claims(token["id_token"])["groups"] == ["team-demo"]
    assert claims(token["access_token"])["groups"] == ["team-demo"]
    assert oidc.userinfo(token["access_token"])["groups"] == ["team-demo"]
    # A rerun of both tasks changes nothing.
    rerun = run_playbook("keycloak_token_proof", extra_vars={"realm": realm["name"],
                                                             "client_secret": client_secret})
    assert "changed=0" in rerun.stdout and "failed=0" in rerun.stdout


def test_rename_keeps_the_group_and_names_normalize_as_documented(realm, run_playbook, kc_admin):
    """Issue 12: rename_from keeps members, roles, attributes and subgroups (same id);
    non-ASCII names transliterate; long names are cut to 63 with a hash suffix."""
    proc = run_playbook("keycloak_group_rename", extra_vars={"realm": realm["name"]})
    assert "failed=0" in proc.stdout
    kc_admin.change_current_realm(realm["name"])
    group = kc_admin.get_group_by_path("/equipe-donnees-2")
    assert [u["username"] for u in kc_admin.get_group_members(group["id"])] == ["demo"]
    assert [r["name"] for r in kc_admin.get_group_realm_roles(group["id"])] == ["offline_access"]
    assert group["attributes"] == {"cost-center": ["4711"]}
    assert [g["path"] for g in kc_admin.get_group_children(group["id"])] == ["/equipe-donnees-2/payments"]
    names = sorted(g["name"] for g in kc_admin.get_groups())
    assert "team-demo" not in names and "strasse-sud" in names
    assert [n for n in names if n.startswith("plattform")][0][-9:-8] == "-"
