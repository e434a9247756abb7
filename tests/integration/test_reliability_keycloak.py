"""Failures injected in front of the real Keycloak: retries happen, creates never duplicate.

The fault proxy forwards to the lab's Keycloak; see fault_proxy.py.
"""

import os
import uuid

import pytest

from conftest import require
from fault_proxy import FaultProxy, Rule


@pytest.fixture
def proxy_and_realm(lab, kc_admin):
    url, state = require(lab, "KEYCLOAK_URL", "LAB_STATE")
    pki = os.path.join(state, "pki")
    realm = "it-fault-" + uuid.uuid4().hex[:8]
    kc_admin.create_realm({"realm": realm, "enabled": True})
    with FaultProxy(url, os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"),
                    os.path.join(pki, "ca.crt")) as proxy:
        yield proxy, realm
    kc_admin.change_current_realm("master")
    kc_admin.delete_realm(realm)


def groups_named(kc_admin, realm, name):
    kc_admin.change_current_realm(realm)
    found = [g for g in kc_admin.get_groups() if g["name"] == name]
    kc_admin.change_current_realm("master")
    return found


def test_create_whose_answer_is_lost_is_adopted_not_repeated(proxy_and_realm, run_playbook, kc_admin):
    proxy, realm = proxy_and_realm
    proxy.rules.append(Rule("POST", r"/admin/realms/%s/groups$" % realm, "reset"))
    run_playbook("keycloak_group_once", extra_vars={"realm": realm, "group": "team-reset"},
                 env_overrides={"KEYCLOAK_URL": proxy.url})
    assert proxy.count("POST", r"/groups$") == 1  # sent once, never blindly again
    assert len(groups_named(kc_admin, realm, "team-reset")) == 1


def test_transient_errors_on_reads_are_retried(proxy_and_realm, run_playbook, kc_admin):
    proxy, realm = proxy_and_realm
    proxy.rules.append(Rule("GET", r"/admin/realms/%s/group" % realm, 503, times=2))
    proxy.rules.append(Rule("GET", r"/admin/realms/%s/group" % realm, 429, retry_after=1))
    run_playbook("keycloak_group_once", extra_vars={"realm": realm, "group": "team-busy"},
                 env_overrides={"KEYCLOAK_URL": proxy.url})
    assert all(r.times == 0 for r in proxy.rules), proxy.seen  # every injected failure was met and survived
    assert len(groups_named(kc_admin, realm, "team-busy")) == 1
