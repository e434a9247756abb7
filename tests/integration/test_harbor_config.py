"""harbor_config and harbor_user against the lab's real harbor-core (playbooks/harbor_config*.yml,
harbor_user.yml), including a real OIDC login through the lab's Keycloak.

These tests create local Harbor users and change Harbor's auth mode; other tests against the
same Harbor must not see either. Each test holds /tmp/harbor-authmode.lock - inherited from
``flock /tmp/harbor-authmode.lock pytest ...``, or taken here - and leaves Harbor in db_auth
with no user but admin (the ``harbor_guard`` fixture restores in a finally). The guard and the
scripted OIDC login are shared with test_roles_oidc.py in oidc_login.py.
"""

import os
import secrets
import uuid

import pytest

from conftest import require
from harbor_api import HarborApi
from oidc_login import SYSTEM_KEYS, create_kc_user, harbor_oidc_login, strong_password
from oidc_login import authmode_lock, harbor_guard  # noqa: F401  pylint: disable=unused-import

MEMBER_MODULE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "plugins", "modules", "harbor_project_member.py")


# -- system settings and users ------------------------------------------------------------------
def test_system_settings_lifecycle(run_playbook, harbor_guard):
    before = harbor_guard.before
    run_playbook("harbor_config", extra_vars=dict(
        banner="it-banner-" + uuid.uuid4().hex[:6],
        restriction_before=before["project_creation_restriction"]["value"],
        self_registration_before=before["self_registration"]["value"],
        duration_before=before["robot_token_duration"]["value"],
        session_before=before["session_timeout"]["value"],
        banner_before=before["banner_message"]["value"]))
    after = harbor_guard.config()
    for key in SYSTEM_KEYS:
        assert after[key]["value"] == before[key]["value"], key


def test_user_lifecycle(run_playbook, harbor_guard, lab):
    prefix = harbor_guard.prefix
    harbor_guard.usernames.update(prefix + s for s in ("-alice", "-bob", "-alice2", "-weak"))
    first, second = strong_password(), strong_password()
    proc = run_playbook("harbor_user", verbosity=3, extra_vars=dict(
        prefix=prefix, first_password=first, second_password=second))
    output = proc.stdout + proc.stderr
    assert first not in output and second not in output and lab["HARBOR_PASSWORD"] not in output
    assert [u for u in harbor_guard.users() if u["username"].startswith(prefix)] == []


def test_local_user_blocks_the_auth_mode_switch_and_nothing_is_written(run_playbook, harbor_guard, lab):
    prefix = harbor_guard.prefix
    harbor_guard.usernames.add(prefix + "-blocker")
    before = harbor_guard.config()
    run_playbook("harbor_config_refused", extra_vars=dict(
        prefix=prefix, password=strong_password(),
        issuer=lab["KEYCLOAK_URL"] + "/realms/master"))
    assert harbor_guard.config() == before


# -- OIDC for real ----------------------------------------------------------------------------------
@pytest.fixture
def oidc_lab(lab, kc_admin, harbor_guard):
    """A Keycloak realm with a user (its group is made by the playbook); removed afterwards."""
    require(lab, "KEYCLOAK_URL", "KEYCLOAK_CA_PATH")
    suffix = uuid.uuid4().hex[:8]
    realm = "it-harbor-" + suffix
    user = dict(username="oidc-" + suffix, password=strong_password(),
                email="oidc-%s@example.com" % suffix)
    kc_admin.change_current_realm("master")
    kc_admin.create_realm({"realm": realm, "enabled": True})
    kc_admin.change_current_realm(realm)
    create_kc_user(kc_admin, user)
    harbor_guard.usernames.add(user["username"])
    group = "team-" + suffix
    harbor_guard.groups.add(group)
    try:
        yield dict(realm=realm, user=user, group=group, project="it-oidc-" + suffix,
                   secret=secrets.token_urlsafe(24), guard=harbor_guard)
    finally:
        HarborApi(lab).delete_project("it-oidc-" + suffix)
        kc_admin.change_current_realm("master")
        kc_admin.delete_realm(realm)


def test_oidc_login_through_keycloak(run_playbook, oidc_lab, lab, kc_admin):
    user, guard = oidc_lab["user"], oidc_lab["guard"]
    with_member = os.path.exists(MEMBER_MODULE)
    proc = run_playbook("harbor_config_oidc", verbosity=3, extra_vars=dict(
        realm=oidc_lab["realm"], group=oidc_lab["group"], kc_user=user["username"],
        harbor_secret=oidc_lab["secret"], project=oidc_lab["project"], with_member=with_member))
    output = proc.stdout + proc.stderr
    assert oidc_lab["secret"] not in output  # not in -vvv output, results or diffs
    assert lab["HARBOR_PASSWORD"] not in output and lab["KEYCLOAK_PASSWORD"] not in output
    assert "<redacted (changed)>" in output  # the diff did show that the secret was written
    config = guard.config()
    assert config["auth_mode"]["value"] == "oidc_auth"
    assert config["oidc_endpoint"]["value"] == "%s/realms/%s" % (lab["KEYCLOAK_URL"], oidc_lab["realm"])

    # A real login: Harbor exchanges the code with the secret the module wrote, onboards the user
    # (auto_onboard, username from preferred_username) and takes the groups claim.
    callback, browser = harbor_oidc_login(lab, user)
    assert callback.status_code == 302, callback.text[:500]
    me = browser.get(lab["HARBOR_URL"] + "/api/v2.0/users/current", timeout=30).json()
    assert me["username"] == user["username"] and me["email"] == user["email"]
    onboarded = guard.user(user["username"])
    assert len(onboarded) == 1 and onboarded[0]["comment"] == "Onboarded via OIDC provider"
    if with_member:  # the groups claim reached Harbor: the group's project role is the user's
        project = browser.get("%s/api/v2.0/projects/%s" % (lab["HARBOR_URL"], oidc_lab["project"]),
                              timeout=30)
        assert project.status_code == 200, project.text[:300]
        assert project.json()["current_user_role_ids"] == [2]  # developer

    # The identity provider changes the user's subject (user re-created): Harbor cannot onboard
    # the "new" user under the same name - the conflicting-user error harbor_user remedies.
    kc_admin.change_current_realm(oidc_lab["realm"])
    kc_admin.delete_user(kc_admin.get_user_id(user["username"]))
    create_kc_user(kc_admin, user)
    conflict, dummy = harbor_oidc_login(lab, user)
    assert conflict.status_code == 409, conflict.text[:500]
    error = conflict.json()["errors"][0]
    assert error["code"] == "UNKNOWN", conflict.text  # Harbor wraps the conflict; the status says 409
    assert error["message"].startswith(
        "failed to create user record: user %s or email %s already exists"
        % (user["username"], user["email"])), conflict.text

    run_playbook("harbor_user_remove", extra_vars=dict(username=user["username"]))
    again, browser = harbor_oidc_login(lab, user)
    assert again.status_code == 302, again.text[:500]
    me_again = browser.get(lab["HARBOR_URL"] + "/api/v2.0/users/current", timeout=30).json()
    assert me_again["username"] == user["username"] and me_again["user_id"] != me["user_id"]

    # Back to db_auth with the module: only after the onboarded user is gone.
    run_playbook("harbor_user_remove", extra_vars=dict(username=user["username"]))
    run_playbook("harbor_config_oidc_off")
    assert guard.config()["auth_mode"]["value"] == "db_auth"
