"""harbor_user's adapter: exact lookups, Harbor's input rules, password handling and removal.

Harbor is played by scripted_harbor (in process); tests/integration/test_harbor_config.py
runs the module against the real harbor-core.
"""

import json

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import REDACTED, ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import Conflict, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor import users
from ansible_collections.berth.platform.plugins.modules.harbor_user import desired_user

from scripted_harbor import ScriptedHarbor, client, login

PASSWORD = "Sup3rSecret"


def params(**kw):
    base = dict(username=None, email=None, realname=None, comment=None, password=None,
                admin=None, update_password="on_create", state="present")
    base.update(kw)
    return base


def run(server, check_mode=False, **kw):
    p = params(**kw)
    desired = desired_user(p)
    users.validate_input(desired, state=p["state"])
    adapter = users.UserAdapter(client(server), state=p["state"],
                                update_password=p["update_password"], login=login(server))
    return adapter, ensure(adapter, desired, state=p["state"], check_mode=check_mode)


# -- input -------------------------------------------------------------------------
@pytest.mark.parametrize("kw, message", [
    (dict(state="absent"), "exactly one of username or email"),
    (dict(state="absent", username="a", email="a@example.com"), "exactly one of username or email"),
    (dict(username="admin"), "built-in admin"),
    (dict(username="bad#name"), "must not contain"),
    (dict(username="bob", email="bob@localhost"), "not an address Harbor accepts"),
    (dict(username="bob", password="short1A"), "8 to 128 characters"),
    (dict(username="bob", password="alllowercase1"), "upper-case"),
    (dict(username="bob", comment="x" * 31), "at most 30 characters"),
    (dict(username="bob", realname=""), "realname must be 1 to 255"),
])
def test_harbors_rules_are_checked_before_any_request(kw, message):
    p = params(**kw)
    with pytest.raises(ValidationError) as exc:
        users.validate_input(desired_user(p), state=p["state"])
    assert message in str(exc.value)
    assert PASSWORD not in str(exc.value)


def test_password_rule_accepts_what_harbor_accepts():
    assert users.password_problem("Harbor12345") is None
    assert users.password_problem("A1" + "b" * 126) is None
    assert users.password_problem("A1" + "b" * 127) is not None


# -- create / rerun / update ----------------------------------------------------------
def test_create_admin_user_then_rerun_unchanged():
    server = ScriptedHarbor()
    adapter, outcome = run(server, username="ci-bot", email="ci@example.com", password=PASSWORD,
                           admin=True, comment="bot")
    assert outcome.action == "create"
    assert server.writes() == [("POST", "/users"), ("PUT", "/users/3/sysadmin")]
    post = [b for m, p, b in server.sent if m == "POST"][0]
    assert post["realname"] == "ci-bot"  # defaults to the username
    shown = outcome.shown(adapter)
    assert shown["admin"] is True and shown["user_id"] == 3 and "password" not in shown
    assert outcome.diff()["after"]["password"] == REDACTED
    assert PASSWORD not in json.dumps(outcome.diff())

    server.sent = []
    dummy, again = run(server, username="ci-bot", email="ci@example.com", password=PASSWORD,
                       admin=True, comment="bot")
    assert again.action == "none" and server.writes() == []


def test_update_writes_the_whole_profile_and_the_flag():
    server = ScriptedHarbor()
    server.add_user("bob", comment="keep me")
    dummy, outcome = run(server, username="bob", email="bob@new.example.com", admin=True)
    assert sorted(outcome.changes) == ["admin", "email"]
    sent = dict((p, b) for m, p, b in server.sent if m == "PUT")
    assert sent["/users/3"] == {"email": "bob@new.example.com", "realname": "bob", "comment": "keep me"}
    assert sent["/users/3/sysadmin"] == {"sysadmin_flag": True}


def test_on_create_password_is_left_alone_for_an_existing_user():
    server = ScriptedHarbor()
    server.add_user("bob", password="0ldPassword")
    dummy, outcome = run(server, username="bob", password=PASSWORD)
    assert outcome.action == "none" and server.writes() == []
    assert server.users[3]["password"] == "0ldPassword"


def test_always_password_is_compared_by_logging_in():
    server = ScriptedHarbor()
    server.add_user("bob", password="0ldPassword")
    dummy, outcome = run(server, username="bob", password=PASSWORD, update_password="always")
    assert outcome.action == "update" and outcome.changes == ["password"]
    assert outcome.diff()["after"]["password"] != PASSWORD
    assert server.users[3]["password"] == PASSWORD
    server.sent = []
    dummy, again = run(server, username="bob", password=PASSWORD, update_password="always")
    assert again.action == "none" and server.writes() == []


def test_local_users_cannot_be_created_outside_db_auth_check_mode_included():
    server = ScriptedHarbor(config={"auth_mode": "oidc_auth"})
    for check_mode in (True, False):
        with pytest.raises(Conflict) as exc:
            run(server, check_mode=check_mode, username="bob", email="b@example.com",
                password=PASSWORD)
        assert "only in db_auth; it is in oidc_auth" in str(exc.value)
    assert server.writes() == []


def test_outside_db_auth_only_the_admin_flag_changes():
    server = ScriptedHarbor(users=["alice"], config={"auth_mode": "oidc_auth"})
    dummy, outcome = run(server, username="alice", admin=True)
    assert outcome.action == "update" and server.users[3]["sysadmin_flag"] is True
    with pytest.raises(Conflict) as exc:
        run(server, username="alice", email="other@example.com")
    assert "only db_auth change a user's email" in str(exc.value)


def test_create_needs_email_and_password():
    with pytest.raises(ValidationError) as exc:
        run(ScriptedHarbor(), username="bob")
    assert "needs email and password" in str(exc.value)


# -- removal ---------------------------------------------------------------------------
def similar_users():
    server = ScriptedHarbor()
    for name in ("alice", "alice2", "malice", "Alice-x"):
        server.add_user(name, email=name.lower() + "@example.com")
    return server


def test_check_mode_removal_names_the_user_and_deletes_nothing():
    server = similar_users()
    dummy, outcome = run(server, check_mode=True, state="absent", email="alice@example.com")
    assert outcome.action == "delete"
    assert outcome.diff() == {"before": {"username": "alice", "email": "alice@example.com"}, "after": {}}
    assert server.writes() == []


def test_removal_by_email_or_username_is_exact():
    server = similar_users()
    dummy, outcome = run(server, state="absent", email="alice@example.com")
    assert outcome.action == "delete" and server.writes() == [("DELETE", "/users/3")]
    assert [u["username"] for u in server.live_users()] == ["alice2", "malice", "Alice-x"]
    dummy, outcome = run(server, state="absent", username="malice")
    assert server.writes()[-1] == ("DELETE", "/users/5")
    dummy, outcome = run(server, state="absent", username="alice")  # gone (renamed alice#3)
    assert outcome.action == "none"
    assert [u["username"] for u in server.live_users()] == ["alice2", "Alice-x"]


def test_removal_works_in_every_auth_mode():
    server = ScriptedHarbor(users=["oidc-user"], config={"auth_mode": "oidc_auth"})
    dummy, outcome = run(server, state="absent", username="oidc-user")
    assert outcome.action == "delete" and server.live_users() == []
