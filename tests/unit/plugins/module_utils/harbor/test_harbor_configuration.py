"""harbor_config's adapter: value normalization, comparison, secret handling and the auth-mode rule.

Harbor is played by scripted_harbor (in process); the real harbor-core grades the same
code in tests/integration/test_harbor_config.py.
"""

import json

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import (
    REDACTED_CHANGED, changed_keys, ensure,
)
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, Conflict, ValidationError,
)
from ansible_collections.berth.platform.plugins.module_utils.harbor import configuration as cfg
from ansible_collections.berth.platform.plugins.modules.harbor_config import desired_from_params

from scripted_harbor import ScriptedHarbor, client

SECRET = "s3cr3t-Client-Secret"
KC = "https://sso.example.com/realms/platform"


def params(**kw):
    base = dict(auth_mode=None, oidc=None, settings=None, update_client_secret="on_create",
                verify_oidc=False)
    base.update((k, None) for k in cfg.SYSTEM_FIELDS)
    base.update(kw)
    return base


def oidc(**kw):
    base = dict((k, None) for k in cfg.OIDC_FIELDS + ("client_secret",))
    base.update(kw)
    return base


def run(server, check_mode=False, update_client_secret="on_create", verify_oidc=False, **kw):
    desired = desired_from_params(params(**kw))
    cfg.validate_input(desired)
    adapter = cfg.ConfigAdapter(client(server), update_client_secret=update_client_secret,
                                verify_oidc=verify_oidc)
    return adapter, ensure(adapter, desired, check_mode=check_mode)


OIDC_ON = dict(auth_mode="oidc_auth", oidc=oidc(
    name="Keycloak", endpoint=KC, client_id="harbor", client_secret=SECRET,
    scope=["openid", "profile", "email", "offline_access"], groups_claim="groups",
    auto_onboard=True, verify_cert=True, extra_redirect_parms={"prompt": "login", "max_age": 0}))


# -- normalization ------------------------------------------------------------------
def test_view_has_typed_values_and_never_a_secret():
    raw = ScriptedHarbor(config={"oidc_scope": " openid, profile ,,email",
                                 "oidc_extra_redirect_parms": '{"prompt":"login"}'})
    view = cfg.config_view(client(raw).configurations())
    assert view["oidc"]["scope"] == ["openid", "profile", "email"]
    assert view["oidc"]["extra_redirect_parms"] == {"prompt": "login"}
    assert view["oidc"]["verify_cert"] is True and view["robot_token_duration"] == 30
    assert "client_secret" not in view["oidc"]
    assert "uaa_client_secret" not in view["settings"]  # Harbor returns this one in clear text
    assert "scan_all_policy" not in view["settings"]   # no value: not a setting
    assert view["settings"]["session_timeout"] == 60
    assert not set(view["settings"]) & cfg.OWNED


@pytest.mark.parametrize("stored", ['{"a":"1"}', '"{\\"a\\":\\"1\\"}"', {"a": 1}])
def test_extra_redirect_parms_parse_from_every_shape(stored):
    assert cfg.parse_parms(stored) == {"a": "1"}


def test_scope_compares_as_a_set_in_the_wanted_order():
    raw = {"oidc_scope": {"value": "openid,email,profile"}}
    same = cfg.config_view(raw, wanted_scope=["openid", "profile", "email"])
    assert same["oidc"]["scope"] == ["openid", "profile", "email"]
    other = cfg.config_view(raw, wanted_scope=["openid", "profile"])
    assert other["oidc"]["scope"] == ["openid", "email", "profile"]
    assert changed_keys(other["oidc"], {"scope": ["openid", "profile"]}) == ["scope"]


@pytest.mark.parametrize("value, like, expected", [
    ("120", 60, 120), (120.0, 60, 120), ("-1", -1, -1), ("true", False, True), ("no", True, False),
    (1, False, True), (42, "", "42"), ("text", "", "text"),
])
def test_settings_take_harbors_type(value, like, expected):
    result = cfg.coerce_setting("k", value, like)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value, like", [("abc", 60), (True, 60), ("maybe", True), (True, ""),
                                         ({"a": 1}, ""), (2, False)])
def test_settings_refuse_what_harbor_would(value, like):
    with pytest.raises(ValidationError) as exc:
        cfg.coerce_setting("session_timeout", value, like)
    assert "settings.session_timeout" in str(exc.value)


def test_bool_setting_compares_equal_to_harbors_bool_after_coercion():
    server = ScriptedHarbor()
    dummy, outcome = run(server, settings={"session_timeout": "60", "primary_auth_mode": "false"},
                         self_registration=False, robot_token_duration=30)
    assert outcome.action == "none" and server.writes() == []


# -- input checks ------------------------------------------------------------------------
@pytest.mark.parametrize("kw, message", [
    (dict(oidc=oidc(scope=["openid,profile"])), "one scope per list item"),
    (dict(oidc=oidc(scope=[])), "at least one scope"),
    (dict(oidc=oidc(endpoint="sso.example.com")), "issuer URL"),
    (dict(robot_token_duration=0), "robot_token_duration must be 1 to"),
    (dict(settings={"auth_mode": "db_auth"}), "settings.auth_mode: use the module option"),
    (dict(settings={"oidc_scope": "openid"}), "(oidc.scope)"),
    (dict(settings={"uaa_client_secret": "x"}), "holds a credential"),
    (dict(oidc=oidc(client_secret="")), "client_secret must not be empty"),
])
def test_bad_input_is_refused_before_any_request(kw, message):
    with pytest.raises(ValidationError) as exc:
        cfg.validate_input(desired_from_params(params(**kw)))
    assert message in str(exc.value)


def test_unknown_settings_key_names_the_known_ones_and_writes_nothing():
    server = ScriptedHarbor()
    with pytest.raises(ValidationError) as exc:
        run(server, settings={"session_timeot": 30})
    assert "unknown key session_timeot" in str(exc.value) and "session_timeout" in str(exc.value)
    assert server.writes() == []


def test_switch_to_oidc_needs_endpoint_and_client_id():
    with pytest.raises(ValidationError) as exc:
        run(ScriptedHarbor(), auth_mode="oidc_auth", oidc=oidc(client_id="harbor"))
    assert "oidc.endpoint" in str(exc.value) and "client_id" not in str(exc.value).split("needs")[1]


# -- writes ------------------------------------------------------------------------------
def test_switch_to_oidc_writes_one_typed_put_and_reruns_unchanged():
    server = ScriptedHarbor()
    adapter, outcome = run(server, **OIDC_ON)
    assert outcome.action == "update"
    puts = [b for m, p, b in server.sent if m == "PUT"]
    assert len(puts) == 1
    body = puts[0]
    assert body["auth_mode"] == "oidc_auth" and body["oidc_client_secret"] == SECRET
    assert body["oidc_scope"] == "openid,profile,email,offline_access"
    assert json.loads(body["oidc_extra_redirect_parms"]) == {"prompt": "login", "max_age": "0"}
    assert body["oidc_auto_onboard"] is True and "oidc_verify_cert" not in body  # already true
    shown = outcome.shown(adapter)
    assert "client_secret" not in shown["oidc"] and SECRET not in json.dumps(shown)
    assert SECRET not in json.dumps(outcome.diff())
    assert outcome.diff()["after"][cfg.SECRET_KEY] == REDACTED_CHANGED

    server.sent = []
    dummy, again = run(server, **OIDC_ON)
    assert again.action == "none" and server.writes() == []
    assert SECRET not in json.dumps(again.diff())


def test_on_create_secret_goes_with_another_oidc_change_only():
    server = ScriptedHarbor(config={"auth_mode": "oidc_auth", "oidc_endpoint": KC,
                                    "oidc_client_id": "harbor"})
    dummy, outcome = run(server, oidc=oidc(endpoint=KC, client_secret=SECRET))
    assert outcome.action == "none" and server.writes() == []
    dummy, outcome = run(server, oidc=oidc(endpoint=KC, client_id="harbor2", client_secret=SECRET))
    body = [b for m, p, b in server.sent if m == "PUT"][0]
    assert body == {"oidc_client_id": "harbor2", "oidc_client_secret": SECRET}


def test_always_writes_the_secret_every_run_and_says_so():
    server = ScriptedHarbor(config={"auth_mode": "oidc_auth", "oidc_endpoint": KC,
                                    "oidc_client_id": "harbor"})
    for _run in range(2):
        server.sent = []
        dummy, outcome = run(server, update_client_secret="always", oidc=oidc(client_secret=SECRET))
        assert outcome.action == "update" and outcome.changes == [cfg.SECRET_KEY]
        assert [b for m, p, b in server.sent if m == "PUT"] == [{"oidc_client_secret": SECRET}]
        assert outcome.diff()["before"][cfg.SECRET_KEY] is None
        assert outcome.diff()["after"][cfg.SECRET_KEY] == REDACTED_CHANGED


def test_check_mode_reports_the_change_and_writes_nothing():
    server = ScriptedHarbor()
    adapter, outcome = run(server, check_mode=True, project_creation_restriction="adminonly",
                           settings={"session_timeout": 120})
    assert outcome.action == "update" and server.writes() == []
    assert outcome.diff() == {
        "before": {"project_creation_restriction": "everyone", "settings": {"session_timeout": 60}},
        "after": {"project_creation_restriction": "adminonly", "settings": {"session_timeout": 120}}}
    assert outcome.shown(adapter)["project_creation_restriction"] == "adminonly"


def test_only_differing_settings_are_sent():
    server = ScriptedHarbor()
    run(server, settings={"session_timeout": 60, "banner_message": "hello"}, read_only=False)
    assert [b for m, p, b in server.sent if m == "PUT"] == [{"banner_message": "hello"}]


# -- the auth-mode rule -------------------------------------------------------------------
def test_users_other_than_admin_block_the_switch_with_names_and_remedy():
    server = ScriptedHarbor(users=["zoe", "bob"])
    for check_mode in (True, False):
        with pytest.raises(Conflict) as exc:
            run(server, check_mode=check_mode, **OIDC_ON)
        text = str(exc.value)
        assert "from db_auth to oidc_auth" in text and "2 users (bob, zoe)" in text
        assert "berth.platform.harbor_user" in text and "keep auth_mode db_auth" in text
        assert "nothing was written" in text
        assert SECRET not in text
    assert server.writes() == []
    assert server.config["auth_mode"] == "db_auth" and server.config["oidc_endpoint"] == ""


def test_refusal_lists_at_most_ten_names():
    server = ScriptedHarbor(users=["u%02d" % i for i in range(12)])
    with pytest.raises(Conflict) as exc:
        run(server, auth_mode="ldap_auth")
    assert "12 users (u00, u01, u02, u03, u04, u05, u06, u07, u08, u09, ...)" in str(exc.value)


def test_one_user_is_named_in_the_singular():
    with pytest.raises(Conflict) as exc:
        run(ScriptedHarbor(users=["alice"]), auth_mode="ldap_auth")
    assert "1 user (alice)" in str(exc.value)


def test_users_do_not_matter_when_the_mode_stays():
    server = ScriptedHarbor(users=["alice"], config={"auth_mode": "oidc_auth", "oidc_endpoint": KC,
                                                     "oidc_client_id": "harbor"})
    dummy, outcome = run(server, auth_mode="oidc_auth", oidc=oidc(groups_claim="groups"))
    assert outcome.action == "update"
    assert [b for m, p, b in server.sent if m == "PUT"] == [{"oidc_groups_claim": "groups"}]
    assert not any(p == "/users" for m, p, b in server.sent)  # no user listing needed


def test_blockers_are_the_users_harbor_counts():
    users = [dict(user_id=1, username="admin"), dict(user_id=5, username="b"),
             dict(user_id=4, username="a")]
    assert [u["username"] for u in cfg.auth_mode_blockers(users)] == ["a", "b"]
    assert cfg.auth_mode_blockers([]) == []


def test_read_only_configuration_is_reported_before_writing():
    server = ScriptedHarbor(editable=False)
    with pytest.raises(Conflict) as exc:
        run(server, self_registration=True)
    assert "CONFIG_OVERWRITE_JSON" in str(exc.value) and server.writes() == []


# -- verify_oidc -----------------------------------------------------------------------------
def test_bad_endpoint_fails_with_harbors_message_and_writes_nothing():
    server = ScriptedHarbor(good_endpoints=[KC])
    bad_oidc = dict(OIDC_ON["oidc"], endpoint=KC + "/")
    for check_mode in (True, False):
        with pytest.raises(BadRequest) as exc:
            run(server, check_mode=check_mode, verify_oidc=True, auth_mode="oidc_auth", oidc=bad_oidc)
        assert "failed to verify connection" in str(exc.value)
        assert "issuer equal to the endpoint exactly" in str(exc.value)
    assert server.writes() == []


def test_good_endpoint_is_pinged_with_verify_cert_then_saved():
    server = ScriptedHarbor(good_endpoints=[KC])
    adapter, outcome = run(server, verify_oidc=True, **OIDC_ON)
    pings = [b for m, p, b in server.sent if p == "/system/oidc/ping"]
    assert pings == [{"url": KC, "verify_cert": True}]
    assert adapter.pinged == KC and outcome.action == "update"
    assert server.config["auth_mode"] == "oidc_auth"


def test_verify_oidc_without_any_endpoint_is_a_clear_error():
    with pytest.raises(ValidationError) as exc:
        run(ScriptedHarbor(), verify_oidc=True, oidc=oidc(client_id="x"))
    assert "verify_oidc needs oidc.endpoint" in str(exc.value)


def test_extra_redirect_parms_compare_whole_and_unnamed_keys_go():
    server = ScriptedHarbor(config={"oidc_extra_redirect_parms": '{"prompt":"login","foo":"bar"}'})
    dummy, outcome = run(server, check_mode=True, oidc=oidc(extra_redirect_parms={"prompt": "login"}))
    assert outcome.action == "update" and server.writes() == []
    assert outcome.diff()["before"]["oidc"]["extra_redirect_parms"] == {"prompt": "login", "foo": "bar"}
    assert outcome.diff()["after"]["oidc"]["extra_redirect_parms"] == {"prompt": "login", "foo": cfg.REMOVED}
    dummy, outcome = run(server, oidc=oidc(extra_redirect_parms={"prompt": "login"}))
    assert [b for m, p, b in server.sent if m == "PUT"] == [{"oidc_extra_redirect_parms": '{"prompt":"login"}'}]
    dummy, again = run(server, oidc=oidc(extra_redirect_parms={"prompt": "login"}))
    assert again.action == "none"
    dummy, cleared = run(server, oidc=oidc(extra_redirect_parms={}))
    assert cleared.action == "update" and server.config["oidc_extra_redirect_parms"] == "{}"


def test_a_stale_read_after_the_put_is_read_again():
    """harbor-core can answer the previous values for a moment after a PUT (its settings map is
    reloaded by every request); the adapter reads until the answer shows what it wrote."""
    server = ScriptedHarbor()
    stale = [dict(server.config)]
    real = server.configurations

    def configurations(method, body):
        if method == "GET" and stale and any(m == "PUT" for m, p, b in server.sent):
            saved, server.config = server.config, stale.pop()
            try:
                return real(method, body)
            finally:
                server.config = saved
        return real(method, body)

    server.configurations = configurations
    desired = desired_from_params(params(**OIDC_ON))
    sleeps = []
    adapter = cfg.ConfigAdapter(client(server), sleep=sleeps.append)
    outcome = ensure(adapter, desired)
    assert sleeps == [0.2]
    assert outcome.shown(adapter)["auth_mode"] == "oidc_auth"
    assert cfg.shows(client(server).configurations(), {"oidc_scope": "openid, profile,email,offline_access"})
