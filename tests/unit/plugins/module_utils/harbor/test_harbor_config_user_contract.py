"""Every request harbor_config's and harbor_user's adapters send is valid against Harbor's
Swagger (shared/reference/harbor-v2.15.2-swagger.yaml): paths, methods, query parameters
and closed body schemas (``Configurations``, ``UserCreationReq``, ``UserProfile``,
``PasswordReq``, ``UserSysAdminFlag``, the OIDC ping body)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import Conflict
from ansible_collections.berth.platform.plugins.module_utils.harbor import configuration as cfg
from ansible_collections.berth.platform.plugins.module_utils.harbor import users

from scripted_harbor import ScriptedHarbor, client, login
from swagger_contract import SwaggerContract

CONTRACT = SwaggerContract()
KC = "https://sso.example.com/realms/platform"


def judged(server):
    problems = []
    for method, path, query, body in server.requests:
        problems.extend(CONTRACT.problems(method, path, query, body))
    return problems


def test_config_requests_follow_the_contract():
    server = ScriptedHarbor(good_endpoints=[KC])
    desired = cfg.desired_config(
        auth_mode="oidc_auth", client_secret="Secret1",
        oidc=dict(name="Keycloak", endpoint=KC, client_id="harbor", groups_claim="groups",
                  admin_group="admins", group_filter="^team-", scope=["openid", "email"],
                  user_claim="preferred_username", verify_cert=False, auto_onboard=True,
                  extra_redirect_parms={"prompt": "login"}, logout=True),
        system=dict(project_creation_restriction="adminonly", self_registration=False,
                    robot_name_prefix="bot-", robot_token_duration=90, read_only=False),
        settings={"session_timeout": "120", "banner_message": "hi", "primary_auth_mode": "true"})
    outcome = ensure(cfg.ConfigAdapter(client(server), update_client_secret="always",
                                       verify_oidc=True), desired)
    assert outcome.action == "update"
    assert [m for m, p, q, b in server.requests].count("PUT") == 1
    assert judged(server) == []


def test_refusal_listing_follows_the_contract():
    server = ScriptedHarbor(users=["alice"])
    with pytest.raises(Conflict):
        ensure(cfg.ConfigAdapter(client(server)), cfg.desired_config(auth_mode="ldap_auth"))
    assert any(p.endswith("/users") for m, p, q, b in server.requests)
    assert judged(server) == []


def test_user_requests_follow_the_contract():
    server = ScriptedHarbor()

    def run(state="present", update_password="on_create", **desired):
        adapter = users.UserAdapter(client(server), state=state, update_password=update_password,
                                    login=login(server))
        return ensure(adapter, desired, state=state)

    run(username="bob", email="bob@example.com", realname="Bob", password="Passw0rd1",
        comment="c", admin=True)
    run(username="bob", email="bob2@example.com", comment="d", admin=False, password="Passw0rd2",
        update_password="always")
    run(state="absent", email="bob2@example.com")
    writes = [(m, p) for m, p, q, b in server.requests if m != "GET"]
    assert writes == [("POST", "/api/v2.0/users"), ("PUT", "/api/v2.0/users/3/sysadmin"),
                      ("PUT", "/api/v2.0/users/3"), ("PUT", "/api/v2.0/users/3/sysadmin"),
                      ("PUT", "/api/v2.0/users/3/password"), ("DELETE", "/api/v2.0/users/3")]
    assert judged(server) == []
