"""The keycloak_oidc and harbor_oidc roles against the lab's real Keycloak, harbor-core and east
API server (playbooks/role_oidc.yml), then the "conflicting user" runbook
(playbooks/oidc_user_remediation.yml).

Proves by reading the servers back: Harbor's client in Keycloak (redirect URI, web origin, groups
mapper), the team groups (normalized names, members, admins groups), the external IdP with its
group mappers, Harbor's OIDC and system settings, the system robot and its secret kept in a
Kubernetes Secret (it logs in at Harbor's token service; the later roles' way of working - a
project and a robot made and removed with it - runs in the playbook); a rerun changes nothing;
real authorization-code logins onboard the team members (the admins group makes a Harbor admin);
the remediation playbook lists in check mode and removes for real; no secret in -vvv output.

Switches Harbor's auth mode and onboards users: holds /tmp/harbor-authmode.lock (oidc_login's
``harbor_guard``), and leaves Harbor in db_auth with its settings and no user but admin. Team
names carry a suffix: Harbor's OIDC user groups are global and other tests use ``team-a``.
"""

import base64
import hashlib
import json
import os
import secrets
import uuid

import pytest
import requests

from conftest import require
from harbor_api import HarborApi
from oidc_login import create_kc_user, harbor_oidc_login, strong_password
from oidc_login import authmode_lock, harbor_guard  # noqa: F401  pylint: disable=unused-import

REMEDIATION = os.path.join("..", "..", "..", "playbooks", "oidc_user_remediation")


def core_v1(lab):
    from kubernetes import client, config
    return client.CoreV1Api(config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))


def recap(proc):
    return proc.stdout.split("PLAY RECAP")[-1]


RECORD = "berth-harbor-oidc-client"
DRIFT = "Harbor's OIDC client secret differed from Keycloak's (regenerated in Keycloak?): Harbor updated"
DRIFT_CHECK = ("Harbor's OIDC client secret differs from Keycloak's (regenerated in Keycloak?): "
               "Harbor would be updated (check mode: nothing written")
UNRECORDED = "No record of the OIDC client secret Harbor was given"
HARBOR_TASK = "berth.platform.harbor_oidc : Harbor logs in through OIDC"
INVALID_CLIENT = "Invalid client or Invalid client credentials"


def changed_tasks(proc):
    """Names of the tasks that reported a change."""
    return [block.split("]", 1)[0] for block in proc.stdout.split("\nTASK [")[1:]
            if any(line.startswith("changed: [") for line in block.splitlines())]


def client_record(lab, ctx):
    """The harbor_oidc role's record of the client secret Harbor was given: (Secret, salt, fingerprint)."""
    kept = core_v1(lab).read_namespaced_secret(RECORD, ctx["ns"])
    data = dict((k, base64.b64decode(v).decode()) for k, v in kept.data.items())
    assert sorted(data) == ["client_secret_sha256", "salt"]
    assert kept.metadata.labels["app.kubernetes.io/managed-by"] == "berth.platform"
    return kept, data["salt"], data["client_secret_sha256"]


def fingerprint(salt, secret):
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def keycloak_accepts(lab, realm, client_secret, client_id="harbor"):
    """What Keycloak's token endpoint says to the client's credentials, without a user: an
    authorization-code grant with a made-up code. (status, error): 401 for a wrong secret
    (Keycloak 26: unauthorized_client, "Invalid client or Invalid client credentials"; an unknown
    client: invalid_client); 400 invalid_grant (the code) for the right one - the client authenticated."""
    resp = requests.post("%s/realms/%s/protocol/openid-connect/token" % (lab["KEYCLOAK_URL"], realm),
                         data={"grant_type": "authorization_code", "code": "made-up-" + uuid.uuid4().hex,
                               "redirect_uri": lab["HARBOR_URL"] + "/c/oidc/callback"},
                         auth=(client_id, client_secret), verify=lab["KEYCLOAK_CA_PATH"], timeout=30)
    body = resp.json()
    if resp.status_code == 401:
        assert body.get("error_description") == INVALID_CLIENT, body
    return resp.status_code, body.get("error")


@pytest.fixture
def sso(lab, kc_admin, harbor_guard, run_playbook):
    """A realm with three users (alice: team A and its admins, bob: team B, carol: no team), a
    namespace for the robot's Secret; everything removed afterwards with the modules
    (role_oidc_teardown.yml), then by ``harbor_guard`` whatever is left."""
    require(lab, "KEYCLOAK_URL", "KEYCLOAK_CA_PATH", "HARBOR_URL", "K8S_EAST_KUBECONFIG", "LAB_CA")
    suffix = uuid.uuid4().hex[:8]
    realm = "it-roles-" + suffix
    users = dict((name, dict(username="%s-%s" % (name, suffix), password=strong_password(),
                             email="%s-%s@example.com" % (name, suffix)))
                 for name in ("alice", "bob", "carol"))
    teams = [dict(name="Team A " + suffix, display_name="Team A", members=[users["alice"]["username"]],
                  admins=[users["alice"]["username"]]),
             dict(name="Team B " + suffix, members=[users["bob"]["username"]])]
    team_a, team_b = "team-a-" + suffix, "team-b-" + suffix
    ns = "it-roles-" + suffix
    ctx = dict(realm=realm, users=users, teams=teams, team_a=team_a, team_b=team_b, ns=ns,
               robot="berth-auto-" + suffix, secret_name="berth-harbor-automation-" + suffix,
               idp_secret=secrets.token_urlsafe(24), guard=harbor_guard)
    kc_admin.change_current_realm("master")
    kc_admin.create_realm({"realm": realm, "enabled": True})
    kc_admin.change_current_realm(realm)
    for user in users.values():
        create_kc_user(kc_admin, user)
        harbor_guard.usernames.add(user["username"])
    harbor_guard.groups.update([team_a, team_b, team_a + "-admins"])
    core_v1(lab).create_namespace({"metadata": {"name": ns}})
    try:
        yield ctx
    finally:
        try:
            run_playbook("role_oidc_teardown", extra_args=["-e", json.dumps(dict(
                users=[u["username"] for u in users.values()], realm=realm, robot_name=ctx["robot"],
                secret_name=ctx["secret_name"], secret_namespace=ns))])
        finally:
            api = HarborApi(lab)
            for robot in api.robots("name=" + ctx["robot"]):
                if robot["name"].endswith("$" + ctx["robot"]):
                    api.call("DELETE", "/robots/%d" % robot["id"], expect=(200, 404))
            core_v1(lab).delete_namespace(ns)
            kc_admin.change_current_realm("master")
            if realm in [r["realm"] for r in kc_admin.get_realms()]:
                kc_admin.delete_realm(realm)
    # harbor_guard (torn down after this fixture) restores the settings and checks db_auth.


def run_roles(run_playbook, ctx, lab, prove_robot=False, check=True, args=()):
    return run_playbook("role_oidc", verbosity=3, check=check, extra_args=list(args) + ["-e", json.dumps(dict(
        realm=ctx["realm"], teams=ctx["teams"], admin_group=ctx["team_a"] + "-admins",
        robot_name=ctx["robot"], secret_name=ctx["secret_name"], secret_namespace=ctx["ns"],
        prove_robot=prove_robot,
        idp=dict(alias="corp", display_name="Corporate login",
                 discovery_url=lab["KEYCLOAK_URL"] + "/realms/master/.well-known/openid-configuration",
                 client_id="it-corp", client_secret=ctx["idp_secret"], group_claim="groups",
                 sync_mode="FORCE")))])


def test_keycloak_and_harbor_sso_roles(lab, run_playbook, kc_admin, sso):
    guard = sso["guard"]
    harbor = lab["HARBOR_URL"]
    issuer = "%s/realms/%s" % (lab["KEYCLOAK_URL"], sso["realm"])
    first = run_roles(run_playbook, sso, lab, prove_robot=True)

    # -- Keycloak read back ------------------------------------------------------------------
    kc_admin.change_current_realm(sso["realm"])
    realm = kc_admin.get_realm(sso["realm"])
    assert realm["registrationAllowed"] is False and realm["bruteForceProtected"] is True
    assert realm["displayName"] == "Berth integration test"
    client = [c for c in kc_admin.get_clients() if c["clientId"] == "harbor"]
    assert len(client) == 1
    client = client[0]
    assert client["publicClient"] is False and client["standardFlowEnabled"] is True
    assert client["directAccessGrantsEnabled"] is False
    assert client["redirectUris"] == [harbor + "/c/oidc/callback"]
    assert client["webOrigins"] == [harbor]
    mappers = client["protocolMappers"]
    assert [m["name"] for m in mappers] == ["groups"]
    assert mappers[0]["protocolMapper"] == "oidc-group-membership-mapper"
    assert dict((k, mappers[0]["config"][k]) for k in ("claim.name", "full.path", "id.token.claim",
                                                       "access.token.claim", "userinfo.token.claim")) == {
        "claim.name": "groups", "full.path": "false", "id.token.claim": "true",
        "access.token.claim": "true", "userinfo.token.claim": "true"}
    client_secret = kc_admin.get_client_secrets(client["id"])["value"]

    groups = dict((g["name"], g) for g in kc_admin.get_groups())
    team_a, team_b = sso["team_a"], sso["team_b"]
    assert set(groups) == {team_a, team_a + "-admins", team_b}
    users = sso["users"]

    def members(name):
        return sorted(u["username"] for u in kc_admin.get_group_members(groups[name]["id"]))

    assert members(team_a) == [users["alice"]["username"]]
    assert members(team_a + "-admins") == [users["alice"]["username"]]
    assert members(team_b) == [users["bob"]["username"]]
    assert kc_admin.get_group(groups[team_a]["id"])["attributes"] == {"display-name": ["Team A"]}

    idp = kc_admin.get_idp("corp")
    assert idp["config"]["clientId"] == "it-corp"
    assert idp["config"]["issuer"] == lab["KEYCLOAK_URL"] + "/realms/master"
    idp_mappers = dict((m["name"], m) for m in kc_admin.get_idp_mappers("corp"))
    assert set(idp_mappers) == {"team-" + team_a, "team-" + team_b}
    mapper_a = idp_mappers["team-" + team_a]
    assert mapper_a["identityProviderMapper"] == "oidc-advanced-group-idp-mapper"
    assert mapper_a["config"]["group"] == "/" + team_a
    assert json.loads(mapper_a["config"]["claims"]) == [{"key": "groups", "value": sso["teams"][0]["name"]}]

    # -- Harbor read back ----------------------------------------------------------------------
    config = guard.config()
    value = dict((k, v["value"]) for k, v in config.items() if isinstance(v, dict) and "value" in v)
    assert value["auth_mode"] == "oidc_auth"
    assert value["oidc_endpoint"] == issuer
    assert value["oidc_client_id"] == "harbor"
    assert value["oidc_name"] == "Lab Keycloak"
    assert value["oidc_scope"] == "openid,profile,email,offline_access"
    assert value["oidc_groups_claim"] == "groups"
    assert value["oidc_user_claim"] == "preferred_username"
    assert value["oidc_admin_group"] == team_a + "-admins"
    assert value["oidc_auto_onboard"] is True and value["oidc_verify_cert"] is True
    assert value["project_creation_restriction"] == "adminonly"
    assert value["self_registration"] is False
    assert value["robot_name_prefix"] == "robot$"

    # -- the robot and its kept secret ----------------------------------------------------------
    api = HarborApi(lab)
    robots = [r for r in api.robots("name=" + sso["robot"]) if r["name"] == "robot$" + sso["robot"]]
    assert len(robots) == 1 and robots[0]["level"] == "system"
    kinds = sorted(p["kind"] + ":" + p["namespace"] for p in robots[0]["permissions"])
    assert kinds == ["project:*", "system:/"]
    kept = core_v1(lab).read_namespaced_secret(sso["secret_name"], sso["ns"])
    assert kept.metadata.labels["app.kubernetes.io/managed-by"] == "berth.platform"
    robot_secret = base64.b64decode(kept.data["password"]).decode()
    assert base64.b64decode(kept.data["username"]).decode() == "robot$" + sso["robot"]
    assert api.token_subject("robot$" + sso["robot"], robot_secret) == "robot$" + sso["robot"]
    assert api.token_subject("robot$" + sso["robot"], robot_secret + "x") is None

    # -- the record of the client secret Harbor was given: a fingerprint, not the secret ---------
    assert UNRECORDED in first.stdout  # first run: no record yet, Harbor given the secret
    kept_record, salt, kept_fingerprint = client_record(lab, sso)
    assert kept_fingerprint == fingerprint(salt, client_secret) and len(salt) == 32
    assert client_secret not in json.dumps(kept_record.to_dict(), default=str)

    # -- no secret in -vvv output ------------------------------------------------------------
    for proc in [first]:
        output = proc.stdout + proc.stderr
        for secret in (client_secret, robot_secret, sso["idp_secret"], lab["HARBOR_PASSWORD"],
                       lab["KEYCLOAK_PASSWORD"]):
            assert secret not in output

    # -- a rerun changes nothing, and keeps the robot's secret -----------------------------------
    second = run_roles(run_playbook, sso, lab)
    assert "changed=0" in recap(second) and "failed=0" in recap(second), second.stdout[-4000:]
    for secret in (client_secret, robot_secret, sso["idp_secret"]):
        assert secret not in second.stdout + second.stderr
    again = core_v1(lab).read_namespaced_secret(sso["secret_name"], sso["ns"])
    assert again.data == kept.data and again.metadata.resource_version == kept.metadata.resource_version
    assert client_record(lab, sso)[0].metadata.resource_version == kept_record.metadata.resource_version
    assert UNRECORDED not in second.stdout and "differed from Keycloak's" not in second.stdout
    assert api.token_subject("robot$" + sso["robot"], robot_secret) == "robot$" + sso["robot"]

    # -- real logins through Keycloak -------------------------------------------------------------
    onboarded = {}
    for name in ("alice", "bob", "carol"):
        callback, browser = harbor_oidc_login(lab, users[name])
        assert callback.status_code == 302, callback.text[:500]
        me = browser.get(harbor + "/api/v2.0/users/current", timeout=30).json()
        assert me["username"] == users[name]["username"] and me["email"] == users[name]["email"]
        onboarded[name] = me
    # The groups claim reached Harbor: the team groups were onboarded, and the admins group
    # (harbor_oidc_admin_group) made alice - only alice - a Harbor administrator.
    assert onboarded["alice"]["admin_role_in_auth"] is True
    assert onboarded["bob"]["admin_role_in_auth"] is False
    assert onboarded["carol"]["admin_role_in_auth"] is False
    harbor_groups = set(g["group_name"] for g in api.get("/usergroups", page_size=100) or [])
    assert {team_a, team_a + "-admins", team_b} <= harbor_groups
    for name in ("alice", "bob", "carol"):
        record = guard.user(users[name]["username"])
        assert len(record) == 1 and record[0]["comment"] == "Onboarded via OIDC provider"

    # -- the conflicting-user runbook -------------------------------------------------------------
    targets = [users["alice"]["username"], users["bob"]["email"]]
    checked = run_playbook(REMEDIATION, extra_args=["-e", json.dumps({"remediate_users": targets}),
                                                    "--check", "--diff"])
    assert "would remove: %s, %s" % (users["alice"]["username"], users["bob"]["username"]) in checked.stdout
    assert "changed=1" in recap(checked), checked.stdout[-3000:]
    for name in ("alice", "bob"):
        assert len(guard.user(users[name]["username"])) == 1  # nothing removed in check mode
    removed = run_playbook(REMEDIATION, extra_args=["-e", json.dumps({"remediate_users": targets})])
    assert "removed: %s, %s" % (users["alice"]["username"], users["bob"]["username"]) in removed.stdout
    assert guard.user(users["alice"]["username"]) == [] and guard.user(users["bob"]["username"]) == []
    assert len(guard.user(users["carol"]["username"])) == 1  # only the named ones
    # The removed person is onboarded again at the next login, a new user record.
    callback, browser = harbor_oidc_login(lab, users["alice"])
    assert callback.status_code == 302, callback.text[:500]
    me = browser.get(harbor + "/api/v2.0/users/current", timeout=30).json()
    assert me["username"] == users["alice"]["username"] and me["user_id"] != onboarded["alice"]["user_id"]
    # Nobody named who is not there: nothing to do.
    nobody = run_playbook(REMEDIATION, extra_args=["-e", json.dumps({"remediate_users": [users["bob"]["email"]]})])
    assert "removed: nobody" in nobody.stdout and "changed=0" in recap(nobody)


def test_local_user_stops_the_role_with_harbors_reason(lab, run_playbook, sso):
    """A local user locks Harbor's auth mode: the role fails at its check, in plain sight (not
    hidden by no_log), and writes nothing to Harbor or Kubernetes."""
    guard = sso["guard"]
    api = HarborApi(lab)
    blocker = "it-blocker-" + uuid.uuid4().hex[:8]
    guard.usernames.add(blocker)
    api.call("POST", "/users", json={"username": blocker, "email": blocker + "@example.com",
                                     "realname": "Blocker", "password": strong_password()})
    before = guard.config()
    proc = run_roles(run_playbook, sso, lab, check=False)
    assert proc.returncode != 0
    failed = proc.stdout[proc.stdout.find("TASK [berth.platform.harbor_oidc : Harbor accepts the switch"):]
    assert "fatal:" in failed, proc.stdout[-4000:]
    failure = failed[failed.find("fatal:"):]
    assert "censored" not in failure.split("PLAY RECAP")[0]
    assert "Harbor refuses to change auth_mode from db_auth to oidc_auth" in failure
    assert "1 user (%s)" % blocker in failure
    assert "the auth mode cannot be modified as new users have been inserted into database" in failure
    assert "berth.platform.harbor_user" in failure and "nothing was written" in failure
    assert guard.config() == before
    assert [r for r in api.robots("name=" + sso["robot"]) if r["name"].endswith("$" + sso["robot"])] == []
    assert sso["secret_name"] not in [s.metadata.name for s in core_v1(lab).list_namespaced_secret(sso["ns"]).items]


def test_client_secret_regenerated_in_keycloak_reaches_harbor(lab, run_playbook, kc_admin, sso):
    """Issue 22 item 9: the Harbor client's secret regenerated in Keycloak. Harbor never returns its
    copy, so the role compares Keycloak's secret with its record of what Harbor was given: the rerun
    reports the drift and repairs it (check mode: reports it, writes nothing), a real login works
    again, and the next rerun changes nothing. Before the fix the rerun said changed=0 while every
    login failed with "Invalid client credentials"."""
    users = sso["users"]
    first = run_roles(run_playbook, sso, lab)
    kc_admin.change_current_realm(sso["realm"])
    client = [c for c in kc_admin.get_clients() if c["clientId"] == "harbor"][0]
    old = kc_admin.get_client_secrets(client["id"])["value"]
    assert keycloak_accepts(lab, sso["realm"], old) == (400, "invalid_grant")
    callback, dummy = harbor_oidc_login(lab, users["alice"])
    assert callback.status_code == 302, callback.text[:500]
    kept, salt, kept_fingerprint = client_record(lab, sso)
    assert kept_fingerprint == fingerprint(salt, old)

    # -- regenerated in Keycloak: the old secret is refused there, so Harbor's logins fail ---------
    new = kc_admin.generate_client_secrets(client["id"])["value"]
    assert new != old
    assert keycloak_accepts(lab, sso["realm"], old) == (401, "unauthorized_client")
    assert keycloak_accepts(lab, sso["realm"], new) == (400, "invalid_grant")
    refused, dummy = harbor_oidc_login(lab, users["bob"])
    assert refused.status_code == 400 and INVALID_CLIENT in refused.text, refused.text[:500]

    # -- check mode: the drift is reported, nothing written ----------------------------------------
    checked = run_roles(run_playbook, sso, lab, args=["--check", "--diff"])
    assert DRIFT_CHECK in checked.stdout, checked.stdout[-4000:]
    assert HARBOR_TASK + "; projects by admins only, no self-registration" in changed_tasks(checked)
    assert client_record(lab, sso)[0].metadata.resource_version == kept.metadata.resource_version
    refused, dummy = harbor_oidc_login(lab, users["bob"])
    assert refused.status_code == 400 and INVALID_CLIENT in refused.text, refused.text[:500]

    # -- the rerun repairs it and says so -----------------------------------------------------------
    fixed = run_roles(run_playbook, sso, lab)
    assert DRIFT in fixed.stdout, fixed.stdout[-4000:]
    assert changed_tasks(fixed) == [
        HARBOR_TASK + "; projects by admins only, no self-registration",
        "berth.platform.harbor_oidc : Record what Harbor was given (the fingerprint, not the secret)"]
    updated, updated_salt, updated_fingerprint = client_record(lab, sso)
    assert updated_salt == salt and updated_fingerprint == fingerprint(salt, new)
    callback, browser = harbor_oidc_login(lab, users["bob"])
    assert callback.status_code == 302, callback.text[:500]
    me = browser.get(lab["HARBOR_URL"] + "/api/v2.0/users/current", timeout=30).json()
    assert me["username"] == users["bob"]["username"]

    # -- and the next rerun changes nothing -----------------------------------------------------------
    again = run_roles(run_playbook, sso, lab)
    assert "changed=0" in recap(again) and "failed=0" in recap(again), again.stdout[-4000:]
    assert "differed from Keycloak's" not in again.stdout and UNRECORDED not in again.stdout
    assert client_record(lab, sso)[0].metadata.resource_version == updated.metadata.resource_version

    # -- no client secret (old or new), no fingerprint in -vvv output -------------------------------
    for proc in (first, checked, fixed, again):
        output = proc.stdout + proc.stderr
        for secret in (old, new, updated_fingerprint, kept_fingerprint, salt):
            assert secret not in output
