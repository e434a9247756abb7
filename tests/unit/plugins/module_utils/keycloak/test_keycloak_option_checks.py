"""Issue 12, Keycloak side, without a server: options that cannot take effect are refused,
PKCE gets a method, flow overrides go by alias, realm updates keep device settings, groups
rename in place. A scripted stand-in for KeycloakClient records every call."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils import ensure as engine
from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import identity_providers as idp
from ansible_collections.berth.platform.plugins.module_utils.keycloak import realms
from ansible_collections.berth.platform.plugins.module_utils.keycloak.clients import (
    REGENERATE, ClientAdapter, public_client_problems, validate_input,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.groups import GroupAdapter
from ansible_collections.berth.platform.plugins.modules.keycloak_client import (
    ARGUMENT_SPEC as CLIENT_SPEC, desired_client,
)
from ansible_collections.berth.platform.plugins.modules.keycloak_identity_provider import (
    desired_identity_provider,
)

FLOWS = [{"alias": "browser", "id": "f-browser", "topLevel": True},
         {"alias": "direct grant", "id": "f-direct", "topLevel": True},
         {"alias": "browser-otp", "id": "f-otp", "topLevel": True},
         {"alias": "forms", "id": "f-forms", "topLevel": False}]


class Admin:
    """python-keycloak's KeycloakAdmin, as far as the adapters use it here."""

    def __init__(self, clients=(), groups=None):
        self.clients = list(clients)
        self.groups = groups or {}

    def get_authentication_flows(self):
        return FLOWS

    def get_client_secrets(self, client_id):
        return {"value": "stored"}

    def get_group_by_path(self, path):
        if path not in self.groups:
            raise NotFound("Group path does not exist")
        return dict(self.groups[path])

    def __getattr__(self, name):  # writes: recorded by Kc.call, answered with nothing
        return lambda *a, **k: None


class Kc:
    realm = "platform"

    def __init__(self, admin):
        self.admin = admin
        self.calls = []

    def admin_path(self, suffix=""):
        return "/admin/realms/platform" + suffix

    def get(self, suffix, **query):
        self.calls.append(("GET", suffix))
        if suffix == "/clients":
            return [c for c in self.admin.clients if c["clientId"] == query.get("clientId")]
        return {}

    def call(self, method, path, fn, *args, **kwargs):
        self.calls.append((method, path))
        return fn(*args, **kwargs)

    def writes(self):
        return [c for c in self.calls if c[0] != "GET"]


def client_params(**kw):
    params = dict((k, None) for k in CLIENT_SPEC)
    params.update(client_id="spa", protocol_mappers_exclusive=True, regenerate_secret=False,
                  return_secret=False, state="present", realm="platform")
    params.update(kw)
    return desired_client(params)


# -- keycloak_client: a public client ---------------------------------------------------
@pytest.mark.parametrize("overrides, held", [
    (dict(secret="x"), "cannot hold secret -"),
    (dict(regenerate_secret=True), "cannot hold regenerate_secret -"),
    (dict(service_accounts=True), "cannot hold service_accounts: true -"),
    (dict(secret="x", service_accounts=True), "cannot hold secret, service_accounts: true -"),
])
def test_public_client_refuses_what_it_cannot_hold(overrides, held):
    with pytest.raises(ValidationError) as info:
        validate_input(client_params(confidential=False, **overrides))
    assert "a public client (confidential: false) " + held in str(info.value)
    assert "set confidential: true" in str(info.value)


def test_public_client_without_them_and_confidential_ones_pass():
    validate_input(client_params(confidential=False, service_accounts=False))
    validate_input(client_params(confidential=True, secret="x", service_accounts=True))
    assert public_client_problems(client_params(secret=None)) == []


def test_existing_public_client_is_judged_by_its_state_before_any_write():
    kc = Kc(Admin(clients=[{"id": "c1", "clientId": "spa", "publicClient": True}]))
    adapter = ClientAdapter(kc)
    with pytest.raises(ValidationError) as info:
        engine.ensure(adapter, client_params(secret="x"))
    assert "client spa is public in Keycloak and cannot hold secret" in str(info.value)
    assert kc.writes() == []
    # the same task on a confidential client is fine
    kc = Kc(Admin(clients=[{"id": "c1", "clientId": "spa", "publicClient": False, "secret": "x"}]))
    assert engine.ensure(ClientAdapter(kc), client_params(secret="x")).action == "none"


def test_regenerate_on_a_public_client_is_refused_too():
    assert public_client_problems({"secret": REGENERATE}) != []


# -- keycloak_client: confidential by default on create (issue 24) ------------------------
class CreatingAdmin(Admin):
    """Admin that stores what create_client gets (as Keycloak would, with its own defaults)."""

    def __init__(self, clients=(), default_public=True):
        super().__init__(clients)
        self.created = []
        self.updated = []
        self.default_public = default_public

    def create_client(self, payload):
        rep = dict(payload, id="c%d" % (len(self.clients) + 1))
        rep.setdefault("publicClient", self.default_public)
        self.created.append(payload)
        self.clients.append(rep)
        return rep["id"]

    def get_client(self, client_id):
        return next(c for c in self.clients if c["id"] == client_id)

    def update_client(self, client_id, rep):
        self.updated.append(rep)

    def get_client_scopes(self):
        return []


@pytest.mark.parametrize("confidential, public", [(None, False), (True, False), (False, True)])
def test_a_new_client_is_confidential_unless_told_otherwise(confidential, public):
    kc = Kc(CreatingAdmin())
    outcome = engine.ensure(ClientAdapter(kc), client_params(confidential=confidential))
    assert outcome.action == "create"
    assert kc.admin.created[0]["publicClient"] is public
    assert outcome.shown(ClientAdapter(kc))["confidential"] is not public


def test_then_service_accounts_on_the_new_client_are_accepted():
    """community.general's flow: create without confidential, then enable service accounts."""
    kc = Kc(CreatingAdmin())
    engine.ensure(ClientAdapter(kc), client_params())
    outcome = engine.ensure(ClientAdapter(kc), client_params(service_accounts=True))
    assert outcome.action == "update" and outcome.changes == ["service_accounts"]
    assert kc.admin.updated[0]["serviceAccountsEnabled"] is True


def test_an_existing_public_client_keeps_its_type_when_confidential_is_not_set():
    kc = Kc(CreatingAdmin(clients=[{"id": "c1", "clientId": "spa", "publicClient": True}]))
    outcome = engine.ensure(ClientAdapter(kc), client_params(description="the app"))
    assert outcome.changes == ["description"]
    assert kc.admin.updated[0]["publicClient"] is True and kc.admin.created == []


# -- keycloak_client: authentication flow binding overrides ------------------------------
def test_overrides_show_aliases_and_missing_bindings_as_empty():
    adapter = ClientAdapter(Kc(Admin()))
    normalized = adapter.normalize({"clientId": "spa", "authenticationFlowBindingOverrides": {
        "browser": "f-otp"}})
    assert normalized["authentication_flow_binding_overrides"] == {"browser": "browser-otp", "direct_grant": ""}


def test_overrides_read_no_flows_when_there_are_none():
    kc = Kc(Admin())
    normalized = ClientAdapter(kc).normalize({"clientId": "spa"})
    assert normalized["authentication_flow_binding_overrides"] == {"browser": "", "direct_grant": ""}
    assert kc.calls == []


def test_overrides_are_written_as_flow_ids_and_empty_removes():
    adapter = ClientAdapter(Kc(Admin()))
    rep = {"authenticationFlowBindingOverrides": {"browser": "f-browser", "direct_grant": "f-direct"}}
    desired = {"authentication_flow_binding_overrides": {"browser": "browser-otp", "direct_grant": ""}}
    adapter._apply_fields(rep, desired, ["authentication_flow_binding_overrides"])
    assert rep["authenticationFlowBindingOverrides"] == {"browser": "f-otp", "direct_grant": ""}


def test_overrides_partial_desired_compares_only_named_bindings():
    adapter = ClientAdapter(Kc(Admin()))
    current = adapter.normalize({"clientId": "spa", "authenticationFlowBindingOverrides": {
        "browser": "f-otp", "direct_grant": "f-direct"}})
    desired = client_params(authentication_flow_binding_overrides={"browser": "browser-otp", "direct_grant": None})
    assert desired["authentication_flow_binding_overrides"] == {"browser": "browser-otp"}
    assert "authentication_flow_binding_overrides" not in engine.changed_keys(current, desired)


def test_unknown_flow_alias_is_refused_before_any_write():
    kc = Kc(Admin())
    with pytest.raises(ValidationError) as info:
        engine.ensure(ClientAdapter(kc), client_params(
            authentication_flow_binding_overrides={"browser": "forms"}))  # not top-level
    assert "authentication flows not found in realm platform: forms" in str(info.value)
    assert kc.writes() == []


# -- keycloak_identity_provider: PKCE and secrets ------------------------------------------
def idp_params(**kw):
    params = dict((k, None) for k, _r in idp.TOP_FIELDS + idp.CONFIG_FIELDS + idp.BOOL_CONFIG_FIELDS)
    params.update(alias="corp", state="present", provider_id=None, discovery_url=None,
                  client_secret=None, config=None, mappers=None, update_client_secret="on_create")
    params.update(kw)
    return params


def test_pkce_on_sends_s256_unless_told_otherwise():
    assert desired_identity_provider(idp_params(pkce=True))["pkce_method"] == "S256"
    assert desired_identity_provider(idp_params(pkce=True, pkce_method="plain"))["pkce_method"] == "plain"
    assert desired_identity_provider(idp_params(pkce=False))["pkce_method"] is None
    assert desired_identity_provider(idp_params())["pkce_method"] is None


def test_pkce_method_goes_into_config_and_compares():
    rep = {"config": {}}
    idp.IdentityProviderAdapter._apply(rep, {"pkce": True, "pkce_method": "S256"}, ["pkce", "pkce_method"])
    assert rep["config"] == {"pkceEnabled": "true", "pkceMethod": "S256"}
    adapter = idp.IdentityProviderAdapter(kc=None)
    normalized = adapter.normalize({"alias": "corp", "config": {"pkceEnabled": "true", "pkceMethod": "S256"}})
    assert engine.changed_keys(normalized, {"pkce": True, "pkce_method": "S256"}) == []
    assert engine.changed_keys(normalized, {"pkce": True, "pkce_method": "plain"}) == ["pkce_method"]


@pytest.mark.parametrize("options, message", [
    (dict(pkce_method="plain"), "pkce_method is used only with pkce: true"),
    (dict(pkce=False, pkce_method="S256"), "pkce_method is used only with pkce: true"),
    (dict(client_secret="s", client_auth_method="private_key_jwt"), "client_secret is never used"),
    (dict(update_client_secret="always"), "update_client_secret: always needs client_secret"),
])
def test_identity_provider_combinations_that_cannot_take_effect(options, message):
    assert any(message in p for p in idp.option_problems(idp_params(**options)))


def test_identity_provider_sound_combinations_pass():
    assert idp.option_problems(idp_params(pkce=True, pkce_method="plain", client_secret="s",
                                          client_auth_method="client_secret_jwt",
                                          update_client_secret="always")) == []


def test_pkce_method_in_free_config_is_refused():
    with pytest.raises(ValidationError) as info:
        idp.validate_input({"alias": "corp", "config": {"pkceMethod": "S256"}})
    assert "config key pkceMethod" in str(info.value)


# -- keycloak_realm ------------------------------------------------------------------------
@pytest.mark.parametrize("desired, message", [
    (dict(realm="p", offline_session_max_lifespan_enabled=False, offline_session_max_lifespan=60),
     "offline_session_max_lifespan has no effect with offline_session_max_lifespan_enabled: false"),
    (dict(realm="p", remember_me=False, sso_session_max_lifespan_remember_me=60),
     "sso_session_max_lifespan_remember_me has no effect with remember_me: false"),
    (dict(realm="p", brute_force={"enabled": False, "max_wait": 60, "wait_increment": 5}),
     "brute_force.max_wait, brute_force.wait_increment have no effect with brute_force.enabled: false"),
    (dict(realm="p", brute_force={"permanent_lockout": False, "max_temporary_lockouts": 3}),
     "max_temporary_lockouts has no effect with brute_force.permanent_lockout: false"),
    (dict(realm="p", oauth2_device_polling_interval=0), "oauth2_device_polling_interval must be 1 or more"),
    (dict(realm="p", oauth2_device_code_lifespan=-1), "oauth2_device_code_lifespan must be 1 or more"),
])
def test_realm_refuses_what_could_not_take_effect(desired, message):
    with pytest.raises(ValidationError) as info:
        realms.validate_input(desired)
    assert message in str(info.value)


def test_realm_sound_combinations_pass():
    realms.validate_input(dict(realm="p", offline_session_max_lifespan_enabled=True,
                               offline_session_max_lifespan=60, offline_session_idle_timeout=30,
                               remember_me=True, sso_session_idle_timeout_remember_me=60,
                               oauth2_device_code_lifespan=300, oauth2_device_polling_interval=5,
                               brute_force={"enabled": False}))
    realms.validate_input(dict(realm="p", offline_session_max_lifespan=60))  # switch not managed


def test_realm_update_sends_device_settings_as_stored():
    """Keycloak 26 resets oauth2DeviceCodeLifespan/PollingInterval a realm PUT leaves out."""
    sent = []

    class RealmKc(Kc):
        def get(self, suffix, **query):
            return {}

    kc = RealmKc(Admin())
    kc.admin.update_realm = lambda name, payload: sent.append(payload)
    current = {"realm": "p", "oauth2DeviceCodeLifespan": 1200, "oauth2DevicePollingInterval": 10}
    realms.RealmAdapter(kc).update(current, {"realm": "p", "display_name": "x"}, ["display_name"])
    assert sent == [{"displayName": "x", "oauth2DeviceCodeLifespan": 1200, "oauth2DevicePollingInterval": 10}]
    sent[:] = []
    realms.RealmAdapter(kc).update(current, {"realm": "p", "oauth2_device_code_lifespan": 60},
                                   ["oauth2_device_code_lifespan"])
    assert sent == [{"oauth2DeviceCodeLifespan": 60, "oauth2DevicePollingInterval": 10}]


# -- keycloak_group: rename -------------------------------------------------------------------
def group_kc(*paths):
    groups = dict((p, {"id": "id" + p, "name": p.rsplit("/", 1)[1], "path": p, "attributes": {"a": ["1"]}})
                  for p in paths)
    return Kc(Admin(groups=groups))


def test_rename_finds_the_old_group_and_renames_it_in_place():
    kc = group_kc("/team-demo")
    adapter = GroupAdapter(kc, rename_from="/team-demo")
    desired = {"name": "team-platform", "path": "/team-platform", "attributes": None,
               "members": None, "realm_roles": None}
    outcome = engine.ensure(adapter, desired, check_mode=True)
    assert outcome.action == "update" and adapter.renamed_from == "/team-demo"
    assert outcome.diff() == {"before": {"name": "team-demo", "path": "/team-demo"},
                              "after": {"name": "team-platform", "path": "/team-platform"}}
    assert kc.writes() == []
    puts = []
    kc.admin.update_group = lambda group_id, payload: puts.append((group_id, payload))
    adapter.update(adapter.find(desired), desired, ["name", "path"])
    assert puts == [("id/team-demo", {"name": "team-platform", "attributes": {"a": ["1"]}})]


def test_rename_after_the_rename_changes_nothing():
    adapter = GroupAdapter(group_kc("/team-platform"), rename_from="/team-demo")
    desired = {"name": "team-platform", "path": "/team-platform"}
    assert engine.ensure(adapter, desired).action == "none" and adapter.renamed_from is None


def test_rename_never_merges_two_groups():
    kc = group_kc("/team-demo", "/team-platform")
    with pytest.raises(ValidationError) as info:
        engine.ensure(GroupAdapter(kc, rename_from="/team-demo"), {"name": "team-platform", "path": "/team-platform"})
    assert "cannot rename /team-demo to /team-platform: both groups exist" in str(info.value)
    assert kc.writes() == []
