"""keycloak_client against the lab's real Keycloak (playbooks/keycloak_client*.yml).

Every test gets a realm of its own, created with python-keycloak and deleted after.
"""

import secrets
import uuid

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import REDACTED_CHANGED


@pytest.fixture
def realm(kc_admin):
    name = "it-client-" + uuid.uuid4().hex[:8]
    kc_admin.create_realm({"realm": name, "enabled": True})
    yield name
    kc_admin.delete_realm(name)


def in_realm(kc_admin, realm):
    kc_admin.change_current_realm(realm)
    return kc_admin


def test_client_lifecycle(realm, run_playbook, kc_admin):
    new_secret = secrets.token_urlsafe(24)
    proc = run_playbook("keycloak_client", extra_vars={"realm": realm, "new_secret": new_secret})
    assert "failed=0" in proc.stdout
    assert new_secret not in proc.stdout + proc.stderr
    assert in_realm(kc_admin, realm).get_client_id("harbor") is None


def test_client_secret_never_in_vvv_output(realm, run_playbook, kc_admin, lab):
    admin = in_realm(kc_admin, realm)
    client_uuid = admin.create_client({"clientId": "harbor", "publicClient": False})
    generated = admin.get_client_secrets(client_uuid)["value"]
    explicit = secrets.token_urlsafe(24)
    proc = run_playbook("keycloak_client_secret", extra_vars={"realm": realm, "explicit_secret": explicit},
                        verbosity=3)
    output = proc.stdout + proc.stderr
    regenerated = admin.get_client_secrets(client_uuid)["value"]
    assert "failed=0" in proc.stdout
    assert len({generated, explicit, regenerated}) == 3
    for secret in (generated, explicit, regenerated, lab["KEYCLOAK_PASSWORD"]):
        assert secret not in output
    assert REDACTED_CHANGED in output  # the diffs did show that the secret changed


def test_bad_input_fails_clearly_and_writes_nothing(realm, run_playbook, kc_admin):
    proc = run_playbook("keycloak_client_bad_input", extra_vars={"realm": realm})
    assert "failed=0" in proc.stdout
    admin = in_realm(kc_admin, realm)
    assert admin.get_client_id("bad-redirect") is None
    assert admin.get_client_id("bad-mapper-type") is None
    assert admin.get_client_id("dup-mappers") is None
    existing = admin.get_client(admin.get_client_id("existing"))
    assert [m["name"] for m in existing.get("protocolMappers", [])] == ["groups"]
    assert existing["redirectUris"] == ["https://ok.example.com/cb"]


def test_public_client_refuses_what_it_cannot_hold(realm, run_playbook, kc_admin):
    """Issue 12: confidential: false with a secret dropped the secret and never converged.
    Issue 24: confidential left out made a public client (the docs said confidential), and a later
    service_accounts: true was refused."""
    spa_secret = secrets.token_urlsafe(24)
    proc = run_playbook("keycloak_client_public", extra_vars={"realm": realm, "spa_secret": spa_secret},
                        verbosity=3)
    assert "failed=0" in proc.stdout
    assert spa_secret not in proc.stdout + proc.stderr
    admin = in_realm(kc_admin, realm)
    spa = admin.get_client(admin.get_client_id("spa"))
    assert not spa["publicClient"] and admin.get_client_secrets(spa["id"])["value"] == spa_secret
    # Issue 24: made without confidential, it is confidential, with the service account a later task asked
    svc = admin.get_client(admin.get_client_id("svc"))
    assert svc["publicClient"] is False and svc["serviceAccountsEnabled"] is True


def test_authentication_flow_binding_overrides_by_alias(realm, run_playbook, kc_admin):
    admin = in_realm(kc_admin, realm)
    admin.copy_authentication_flow(payload={"newName": "browser-otp"}, flow_alias="browser")
    flow_id = next(f["id"] for f in admin.get_authentication_flows() if f["alias"] == "browser-otp")
    direct_id = next(f["id"] for f in admin.get_authentication_flows() if f["alias"] == "direct grant")
    proc = run_playbook("keycloak_client_flow_overrides", extra_vars={"realm": realm, "flow_id": flow_id})
    assert "failed=0" in proc.stdout
    portal = admin.get_client(admin.get_client_id("portal"))
    assert portal["authenticationFlowBindingOverrides"] == {"direct_grant": direct_id}
    assert admin.get_client_id("never-created") is None
