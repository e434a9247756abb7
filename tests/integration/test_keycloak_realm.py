"""keycloak_realm against the lab's real Keycloak (playbooks/keycloak_realm.yml).

The playbook creates and deletes its own realm; the fixture only removes leftovers.
"""

import uuid

import pytest
from keycloak.exceptions import KeycloakError


@pytest.fixture
def realm(kc_admin):
    name = "it-realm-" + uuid.uuid4().hex[:8]
    yield name
    for leftover in (name, name + "-bad"):
        try:
            kc_admin.delete_realm(leftover)
        except KeycloakError:
            pass


def test_realm_lifecycle(realm, run_playbook, kc_admin, lab):
    proc = run_playbook("keycloak_realm", extra_vars={"realm": realm}, verbosity=3)
    assert "failed=0" in proc.stdout
    assert lab["KEYCLOAK_PASSWORD"] not in proc.stdout + proc.stderr
    names = [r["realm"] for r in kc_admin.get_realms()]
    assert realm not in names and realm + "-bad" not in names


def test_offline_sessions_and_device_codes(realm, run_playbook, kc_admin):
    """Issue 12: offline session lifetimes and the device-code grant's lifetimes."""
    proc = run_playbook("keycloak_realm_sessions", extra_vars={"realm": realm})
    assert "failed=0" in proc.stdout
    stored = kc_admin.get_realm(realm)
    assert (stored["oauth2DeviceCodeLifespan"], stored["oauth2DevicePollingInterval"]) == (120, 10)
    assert stored["offlineSessionMaxLifespan"] == 2592000 and not stored["offlineSessionMaxLifespanEnabled"]
