"""Keycloak normalizers and comparison (unit level: no server)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils import ensure as engine
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import normalize as norm
from ansible_collections.berth.platform.plugins.module_utils.keycloak.clients import (
    REGENERATE, ClientAdapter, validate_input,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.groups import GroupAdapter


@pytest.mark.parametrize("name", ["Team Demo", "team_demo", "  TEAM--demo ", "team-demo", "Team.Demo!"])
def test_group_names_normalize_to_one_form(name):
    assert norm.normalize_group_name(name) == "team-demo"


def test_group_name_without_letters_is_rejected():
    with pytest.raises(ValidationError):
        norm.normalize_group_name(" _-_ ")


def test_group_path():
    assert norm.group_path("b") == "/b"
    assert norm.group_path("c", "a/b") == "/a/b/c"
    assert norm.group_path("c", "/a/b/") == "/a/b/c"


def test_config_values_take_keycloaks_string_form():
    assert norm.string_map({"a": True, "b": False, "c": 300, "d": "x", "e": None}) == \
        {"a": "true", "b": "false", "c": "300", "d": "x", "e": ""}
    assert norm.string_map(None) is None
    assert norm.multi_map({"a": "x", "b": ["y", 1, True]}) == {"a": ["x"], "b": ["y", "1", "true"]}


@pytest.mark.parametrize("uri,ok", [
    ("https://harbor.example.com/c/oidc/callback", True), ("https://h.example.com/*", True),
    ("/relative/cb", True), ("*", True), ("com.example.app:/cb", True),
    ("not a uri", False), ("harbor.example.com/cb", False), ("javascript:alert(1)", False),
    ("https:///nohost", False), ("", False),
])
def test_redirect_uri_validation(uri, ok):
    assert (norm.invalid_redirect_uri(uri) is None) == ok


def test_web_origin_validation():
    assert norm.invalid_web_origin("+") is None
    assert norm.invalid_web_origin("https://h.example.com:8443") is None
    assert norm.invalid_web_origin("https://h.example.com/path") is not None


def test_input_validation_names_every_problem():
    with pytest.raises(ValidationError) as info:
        validate_input(dict(redirect_uris=["not a uri"], protocol_mappers=[
            dict(name="groups"), dict(name="groups"), dict(name="email")]))
    message = str(info.value)
    assert "redirect URI 'not a uri'" in message and "repeated: groups" in message


SERVER_MAPPER = {"id": "m1", "name": "groups", "protocol": "openid-connect",
                 "protocolMapper": "oidc-group-membership-mapper",
                 "config": {"full.path": "false", "claim.name": "groups", "id.token.claim": "true",
                            "introspection.token.claim": "true"}}
SERVER_CLIENT = {"id": "c1", "clientId": "harbor", "publicClient": False, "secret": "s3cr3t",
                 "redirectUris": ["https://b/cb", "https://a/cb"], "webOrigins": ["+"],
                 "attributes": {"pkce.code.challenge.method": "S256", "other": "x"},
                 "defaultClientScopes": ["profile", "email"], "protocolMappers": [
                     SERVER_MAPPER, dict(SERVER_MAPPER, id="m2", name="extra")]}


def desired_client(**overrides):
    desired = dict(client_id="harbor", confidential=True, redirect_uris=["https://a/cb", "https://b/cb"],
                   web_origins=["+"], attributes=norm.string_map({"pkce.code.challenge.method": "S256"}),
                   default_client_scopes=["email", "profile"], secret=None, protocol_mappers=[
                       norm.mapper_from_input(dict(name="groups", protocol_mapper="oidc-group-membership-mapper",
                                                   config={"full.path": False, "claim.name": "groups",
                                                           "id.token.claim": True}))])
    desired.update(overrides)
    return desired


def compare(desired, exclusive=True):
    adapter = ClientAdapter(kc=None, mappers_exclusive=exclusive)
    adapter.desired = desired
    normalized = adapter.normalize(SERVER_CLIENT)
    return normalized, engine.changed_keys(normalized, desired, adapter.unordered)


def test_mappers_compare_by_name_with_string_config_and_ignore_unmanaged_config_keys():
    normalized, changes = compare(desired_client(), exclusive=False)
    assert changes == []
    assert [m["name"] for m in normalized["protocol_mappers"]] == ["groups"]
    assert "introspection.token.claim" not in normalized["protocol_mappers"][0]["config"]


def test_exclusive_mappers_report_the_unlisted_mapper():
    normalized, changes = compare(desired_client())
    assert changes == ["protocol_mappers"]
    assert [m["name"] for m in normalized["protocol_mappers"]] == ["extra", "groups"]


def test_mapper_config_change_is_detected():
    desired = desired_client()
    desired["protocol_mappers"][0]["config"]["full.path"] = "true"
    assert compare(desired, exclusive=False)[1] == ["protocol_mappers"]


def test_secret_is_compared_but_never_shown():
    adapter = ClientAdapter(kc=None)
    adapter.desired = desired_client(protocol_mappers=None, secret="other")
    normalized = adapter.normalize(SERVER_CLIENT)
    changes = engine.changed_keys(normalized, adapter.desired, adapter.unordered)
    assert changes == ["secret"]
    view = engine.redact(engine.managed_view(normalized, adapter.desired), adapter.secret_fields, changes)
    assert view["secret"] == engine.REDACTED_CHANGED and "s3cr3t" not in repr(view)
    adapter.desired["secret"] = REGENERATE
    assert engine.changed_keys(normalized, adapter.desired, adapter.unordered) == ["secret"]


def test_public_client_has_no_secret_and_missing_strings_are_empty():
    adapter = ClientAdapter(kc=None)
    normalized = adapter.normalize({"id": "x", "clientId": "spa", "publicClient": True})
    assert normalized["secret"] is None and normalized["confidential"] is False
    assert normalized["root_url"] == "" and normalized["redirect_uris"] == []


def test_mapper_update_keeps_server_config_it_does_not_manage():
    mapper = norm.mapper_from_input(dict(name="groups", protocol_mapper="oidc-group-membership-mapper",
                                         config={"full.path": True}))
    rep = norm.mapper_to_server(mapper, SERVER_MAPPER)
    assert rep["id"] == "m1" and rep["config"]["full.path"] == "true"
    assert rep["config"]["introspection.token.claim"] == "true"


def test_group_normalize_and_compare():
    adapter = GroupAdapter(kc=None)
    current = {"id": "g1", "name": "team-demo", "path": "/team-demo",
               "attributes": {"a": ["1"], "b": ["x"]}, "members": ["alice", "bob"],
               "realmRoleNames": ["offline_access"]}
    normalized = adapter.normalize(current)
    desired = dict(name="team-demo", path="/team-demo", attributes=norm.multi_map({"a": 1}),
                   members=["bob", "alice"], realm_roles=["offline_access"])
    assert engine.changed_keys(normalized, desired, adapter.unordered) == []
    desired["members"] = ["alice"]
    assert engine.changed_keys(normalized, desired, adapter.unordered) == ["members"]
