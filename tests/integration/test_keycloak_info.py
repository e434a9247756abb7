"""keycloak_client_info and keycloak_group_info against the lab's real Keycloak.

The realm is filled with python-keycloak (not with this collection's modules), and deleted after.
"""

import secrets
import uuid

import pytest


@pytest.fixture
def realm(kc_admin):
    name = "it-info-" + uuid.uuid4().hex[:8]
    kc_admin.create_realm({"realm": name, "enabled": True})
    kc_admin.change_current_realm(name)
    secret = secrets.token_urlsafe(24)
    kc_admin.create_client({
        "clientId": "harbor", "publicClient": False, "secret": secret,
        "redirectUris": ["https://harbor.example.com/c/oidc/callback"],
        "attributes": {"post.logout.redirect.uris": "+"},
        "protocolMappers": [{"name": "groups", "protocol": "openid-connect",
                             "protocolMapper": "oidc-group-membership-mapper",
                             "config": {"claim.name": "groups", "full.path": "false"}}]})
    team = kc_admin.create_group({"name": "team-demo", "attributes": {"cost-center": ["4711"]}})
    kc_admin.create_group({"name": "payments"}, parent=team)
    many = kc_admin.create_group({"name": "many"})
    for i in range(12):
        kc_admin.create_group({"name": "sub-%02d" % i}, parent=many)
    user = kc_admin.create_user({"username": "demo", "enabled": True})
    kc_admin.group_user_add(user, team)
    kc_admin.create_realm_role({"name": "platform-admin"})
    kc_admin.assign_group_realm_roles(team, [kc_admin.get_realm_role("platform-admin")])
    kc_admin.change_current_realm("master")
    yield dict(name=name, secret=secret)
    kc_admin.change_current_realm("master")
    kc_admin.delete_realm(name)


def test_info_modules_report_without_secrets(realm, run_playbook, lab):
    proc = run_playbook("keycloak_info", extra_vars={"realm": realm["name"]}, verbosity=3)
    assert "failed=0" in proc.stdout and "changed=0" in proc.stdout
    output = proc.stdout + proc.stderr
    assert realm["secret"] not in output and lab["KEYCLOAK_PASSWORD"] not in output
