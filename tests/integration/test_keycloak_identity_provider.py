"""keycloak_identity_provider against the lab's real Keycloak.

Every test gets a realm of its own (group /team-demo, realm role platform-admin) and a second
realm that plays the corporate IdP (its discovery document is Keycloak's own), both created with
python-keycloak and deleted after.
"""

import secrets
import uuid

import pytest


@pytest.fixture
def realms(kc_admin):
    suffix = uuid.uuid4().hex[:8]
    name, corp = "it-idp-" + suffix, "it-corp-" + suffix
    for realm in (name, corp):
        kc_admin.create_realm({"realm": realm, "enabled": True})
    kc_admin.change_current_realm(name)
    kc_admin.create_group({"name": "team-demo"})
    kc_admin.create_realm_role({"name": "platform-admin"})
    kc_admin.change_current_realm("master")
    yield dict(realm=name, corp_realm=corp)
    kc_admin.change_current_realm("master")
    for realm in (name, corp):
        kc_admin.delete_realm(realm)


def test_identity_provider_lifecycle_secrets_never_shown(realms, run_playbook, kc_admin, lab):
    idp_secret, idp_secret_2 = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    proc = run_playbook("keycloak_identity_provider",
                        extra_vars=dict(realms, idp_secret=idp_secret, idp_secret_2=idp_secret_2),
                        verbosity=3)
    assert "failed=0" in proc.stdout
    output = proc.stdout + proc.stderr
    for secret in (idp_secret, idp_secret_2, lab["KEYCLOAK_PASSWORD"]):
        assert secret not in output
    assert "<redacted (changed)>" in output  # the rotation was shown, redacted
    kc_admin.change_current_realm(realms["realm"])
    assert kc_admin.get_idps() == []
    kc_admin.change_current_realm("master")


def test_pkce_sends_a_method_keycloak_26_accepts(realms, run_playbook, kc_admin):
    """Issue 12: pkce: true failed with 400 "PKCE Method not supported: null"."""
    proc = run_playbook("keycloak_identity_provider_pkce", extra_vars={"realm": realms["realm"]})
    assert "failed=0" in proc.stdout
    kc_admin.change_current_realm(realms["realm"])
    config = kc_admin.get_idp("pkce-idp")["config"]
    assert (config["pkceEnabled"], config["pkceMethod"]) == ("true", "plain")
    assert [i["alias"] for i in kc_admin.get_idps()] == ["pkce-idp"]  # nothing refused was written
    kc_admin.change_current_realm("master")
