"""Pure parts of the realm, identity provider and info helpers (no server)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import (
    REDACTED, REDACTED_CHANGED, changed_keys, redact,
)
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import identity_providers as idp
from ansible_collections.berth.platform.plugins.module_utils.keycloak import info, realms
from ansible_collections.berth.platform.plugins.modules.keycloak_identity_provider import (
    desired_identity_provider,
)
from ansible_collections.berth.platform.plugins.modules.keycloak_realm import desired_realm


# -- realm ----------------------------------------------------------------------
def realm_params(**kw):
    params = dict((key, None) for key, _rep in realms.FIELDS)
    params.update(realm="platform", state="present", enabled=True, brute_force=None)
    params.update(kw)
    return params


def test_realm_desired_keeps_only_the_brute_force_suboptions_set():
    desired = desired_realm(realm_params(brute_force={"enabled": True, "max_wait": None}))
    assert desired["brute_force"] == {"enabled": True}
    assert desired_realm(realm_params(brute_force={"enabled": None}))["brute_force"] is None


def test_realm_representation_names_only_the_changed_fields():
    desired = desired_realm(realm_params(access_token_lifespan=600, display_name="P",
                                         brute_force={"max_login_failures": 5}))
    assert realms.to_representation(desired, ["access_token_lifespan", "brute_force"]) == {
        "accessTokenLifespan": 600, "failureFactor": 5}


def test_realm_normalize_compares_with_keycloak_defaults_without_noise():
    current = {"realm": "platform", "id": "x", "enabled": True, "accessTokenLifespan": 300,
               "bruteForceProtected": False, "failureFactor": 30}
    normalized = realms.RealmAdapter(kc=None).normalize(current)
    assert normalized["display_name"] == ""
    desired = desired_realm(realm_params(access_token_lifespan=300, brute_force={"enabled": True}))
    assert changed_keys(normalized, desired) == ["brute_force"]


@pytest.mark.parametrize("desired, message", [
    (dict(realm="p", access_token_lifespan=-1), "access_token_lifespan must be 0 or more seconds"),
    (dict(realm="p", brute_force={"max_wait": -3}), "brute_force.max_wait must be 0 or more"),
    (dict(realm="p", brute_force={"max_login_failures": 0}), "max_login_failures must be 1 or more"),
])
def test_realm_bad_input(desired, message):
    with pytest.raises(ValidationError) as exc:
        realms.validate_input(desired)
    assert message in str(exc.value)


def test_master_realm_is_never_removed():
    with pytest.raises(ValidationError):
        realms.validate_input({"realm": "master"}, state="absent")
    realms.validate_input({"realm": "master"}, state="present")


# -- identity provider ----------------------------------------------------------
def idp_params(**kw):
    params = dict((k, None) for k, _r in idp.TOP_FIELDS + idp.CONFIG_FIELDS + idp.BOOL_CONFIG_FIELDS)
    params.update(alias="corp", state="present", provider_id=None, discovery_url=None,
                  client_secret=None, config=None, mappers=None)
    params.update(kw)
    return params


def test_mapper_config_lists_become_canonical_json_and_compare_regardless_of_spacing():
    mapper = idp.mapper_from_input({"name": "g", "mapper": "oidc-advanced-group-idp-mapper",
                                    "sync_mode": "INHERIT",
                                    "config": {"claims": [{"value": "t", "key": "groups"}],
                                               "are.claim.values.regex": False}})
    assert mapper["config"] == {"claims": '[{"key":"groups","value":"t"}]',
                                "are.claim.values.regex": "false", "syncMode": "INHERIT"}
    server = {"name": "g", "identityProviderMapper": "oidc-advanced-group-idp-mapper",
              "config": {"claims": '[ { "key": "groups", "value": "t" } ]',
                         "are.claim.values.regex": "false", "syncMode": "INHERIT", "group": "/x"}}
    assert idp.mapper_from_server(server, mapper["config"]) == mapper


def test_idp_secret_compares_equal_only_with_on_create():
    desired = desired_identity_provider(idp_params(client_secret="s3cret", client_id="c"))
    current = {"alias": "corp", "providerId": "oidc", "config": {"clientId": "c", "clientSecret": idp.MASKED}}
    for policy, expect in ((idp.UPDATE_ON_CREATE, []), (idp.UPDATE_ALWAYS, ["client_secret"])):
        adapter = idp.IdentityProviderAdapter(kc=None, update_client_secret=policy)
        adapter.desired = desired
        normalized = adapter.normalize(current)
        assert changed_keys(normalized, desired) == expect
        shown = redact(normalized, adapter.secret_fields, expect)
        assert shown["client_secret"] == (REDACTED_CHANGED if expect else REDACTED)
    # a provider without a stored secret gets the one asked for
    adapter = idp.IdentityProviderAdapter(kc=None)
    adapter.desired = desired
    no_secret = dict(current, config={"clientId": "c"})
    assert changed_keys(adapter.normalize(no_secret), desired) == ["client_secret"]


@pytest.mark.parametrize("kw, message", [
    (dict(alias="-bad"), "alias '-bad'"),
    (dict(token_url="login.example.com/token"), "token_url 'login.example.com/token'"),
    (dict(config={"clientSecret": "x"}), "config key clientSecret"),
    (dict(mappers=[{"name": "a", "mapper": "m", "config": {}, "sync_mode": "INHERIT"}] * 2),
     "mapper names must be unique, repeated: a"),
])
def test_idp_bad_input(kw, message):
    with pytest.raises(ValidationError) as exc:
        idp.validate_input(desired_identity_provider(idp_params(**kw)))
    assert message in str(exc.value)


def test_discovery_fills_only_the_endpoints_not_set():
    document = {"authorization_endpoint": "https://i/auth", "token_endpoint": "https://i/token",
                "jwks_uri": "https://i/certs", "issuer": "https://i"}
    adapter = idp.IdentityProviderAdapter(kc=None, discover=lambda url: document)
    desired = desired_identity_provider(idp_params(discovery_url="https://i/.well-known/openid-configuration",
                                                   token_url="https://other/token"))
    adapter._apply_discovery(desired)
    assert desired["authorization_url"] == "https://i/auth"
    assert desired["token_url"] == "https://other/token"
    assert desired["issuer"] == "https://i" and "discovery_url" not in desired
    not_oidc = idp.IdentityProviderAdapter(kc=None, discover=lambda url: {"hello": 1})
    with pytest.raises(ValidationError):
        not_oidc._apply_discovery(desired_identity_provider(idp_params(discovery_url="https://i/x")))


# -- info -----------------------------------------------------------------------
def test_info_client_has_no_secret_material():
    client = {"client_id": "harbor", "secret": "s", "redirect_uris": ["b", "a"],
              "attributes": {"client.secret.rotated": "old", "pkce.code.challenge.method": "S256"}}
    out = info.without_secrets(client)
    assert "secret" not in out
    assert out["attributes"] == {"pkce.code.challenge.method": "S256"}
    assert out["redirect_uris"] == ["a", "b"]
