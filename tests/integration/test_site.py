"""playbooks/site.yml end to end against the lab, with the lab inventory (playbooks/inventories/lab:
Harbor's release on east; east hosts teams A and B, west B and C), read back from every server.

Proves: the Harbor chart is installed on east, Istio objects in front of it, Keycloak holds the
realm, Harbor's client and one group per team of any cluster, Harbor runs with OIDC, and every
cluster gets exactly its own namespaces and Secrets - the teams' robots created by the system
robot the SSO play bootstrapped, not by the admin; a second run reports changed=0 on every host
and no secret in -vvv output; --check --diff on a changed inventory reports exactly the intended
changes and writes nothing; a Keycloak user of team A logs in to Harbor through the real
authorization-code flow, is a developer of project team-a through the group, and pulls with skopeo
using the CLI secret, while a user of no team is refused.

The lab has no kubelet: the Harbor release is real (objects stored by the API server, recorded by
Helm) but its pods never run; harbor-core at HARBOR_URL stands in for it (README, "The lab").
Switches Harbor's auth mode: holds /tmp/harbor-authmode.lock for the whole module and leaves Harbor
in db_auth with no user but admin. Names carry a uuid suffix (BERTH_LAB_SUFFIX).
"""

import base64
import json
import os
import subprocess
import uuid

import pytest

from conftest import require
from harbor_api import HarborApi, pull, push
from lab_kube import delete_namespace
from oidc_login import create_kc_user, guarding_harbor, harbor_oidc_login, holding_authmode_lock, strong_password
from test_tenants import (GIB, INVENTORY, MANAGED, PLAYBOOKS, changed_inventory, changed_tasks, core,
                          docker_credentials, recap)

DEVELOPER, PROJECT_ADMIN = 2, 1
ISTIO_PROTOCOLS = ("http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "mongo", "mysql", "redis", "udp")


class Site:
    def __init__(self, lab, run_playbook, kc_admin, guard):
        self.lab, self.run_playbook, self.kc, self.guard = lab, run_playbook, kc_admin, guard
        self.suffix = "-" + uuid.uuid4().hex[:8]
        self.teams = dict((t, "team-%s%s" % (t, self.suffix)) for t in "abcd")
        self.realm = "platform" + self.suffix
        self.harbor_ns = "harbor" + self.suffix
        self.robot = "berth-automation" + self.suffix
        self.users = dict((name, dict(username=name + self.suffix, password=strong_password(),
                                      email="%s%s@example.com" % (name, self.suffix)))
                          for name in ("alice", "bob", "carol"))
        self.api = HarborApi(lab)
        self.first = None

    def run(self, inventory=INVENTORY, verbosity=0, args=(), env=None, check=True):
        return self.run_playbook(os.path.join(PLAYBOOKS, "site"), verbosity=verbosity, check=check,
                                 extra_args=["-i", str(inventory)] + list(args),
                                 env_overrides=dict(env or {}, BERTH_LAB_SUFFIX=self.suffix))

    def namespaces(self, cluster):
        items = core(self.lab, cluster).list_namespace(label_selector=MANAGED).items
        return sorted(n.metadata.name for n in items
                      if n.metadata.name.endswith(self.suffix) and n.metadata.name.startswith("team-"))

    def secret_values(self, cluster, namespace):
        items = core(self.lab, cluster).list_namespaced_secret(namespace, label_selector=MANAGED).items
        return dict((s.metadata.name, dict((k, base64.b64decode(v).decode()) for k, v in (s.data or {}).items()))
                    for s in items)

    def robot_credentials(self, cluster, team):
        return docker_credentials(self.lab, cluster, self.teams[team])

    def kc_groups(self):
        self.kc.change_current_realm(self.realm)
        return dict((g["name"], g) for g in self.kc.get_groups())

    def project_members(self, team):
        return dict((m["entity_name"], m["role_id"])
                    for m in self.api.get("/projects/%s/members" % self.teams[team], page_size=100) or [])


@pytest.fixture(scope="module")
def site(lab, run_playbook, kc_admin):
    require(lab, "HARBOR_URL", "HARBOR_HOST", "HARBOR_CERT_DIR", "KEYCLOAK_URL", "K8S_EAST_KUBECONFIG",
            "K8S_WEST_KUBECONFIG", "HELM", "HARBOR_CHART", "SKOPEO")
    with holding_authmode_lock(), guarding_harbor(lab) as guard:
        s = Site(lab, run_playbook, kc_admin, guard)
        # The realm and its people exist first (in production they come from the directory or an
        # identity provider); site.yml then manages the realm's settings, client and groups.
        kc_admin.change_current_realm("master")
        kc_admin.create_realm({"realm": s.realm, "enabled": True})
        kc_admin.change_current_realm(s.realm)
        for user in s.users.values():
            create_kc_user(kc_admin, user)
            guard.usernames.add(user["username"])
        guard.groups.update([s.teams["a"], s.teams["a"] + "-admins", s.teams["b"], s.teams["c"], s.teams["d"]])
        try:
            s.first = s.run()
            yield s
        finally:
            teardown(s)


def teardown(s):
    lab = s.lab
    for name in s.teams.values():
        s.api.delete_project(name)
    for robot in s.api.robots("name=" + s.robot):
        if robot["name"].endswith("$" + s.robot):
            s.api.call("DELETE", "/robots/%d" % robot["id"], expect=(200, 404))
    subprocess.run([lab["HELM"], "uninstall", "harbor", "-n", s.harbor_ns, "--kubeconfig",
                    lab["K8S_EAST_KUBECONFIG"]], capture_output=True, check=False)
    doomed = [(core(lab, cluster), name) for cluster in ("east", "west") for name in s.teams.values()]
    doomed.append((core(lab, "east"), s.harbor_ns))
    for api, name in doomed:  # all at once, then wait: the controller works on them in parallel
        try:  # 404 for a team this cluster does not host
            api.delete_namespace(name)
        except Exception:  # pylint: disable=broad-except
            pass
    for api, name in doomed:
        delete_namespace(api.api_client, name)
    s.kc.change_current_realm("master")
    if s.realm in [r["realm"] for r in s.kc.get_realms()]:
        s.kc.delete_realm(s.realm)
    # guarding_harbor removes the onboarded users and OIDC groups and puts Harbor back into db_auth.


def test_first_run_builds_the_platform_on_every_cluster(site):
    s, t, lab = site, site.teams, site.lab
    stats = recap(s.first)
    assert stats["east"]["failed"] == 0 and stats["west"]["failed"] == 0, s.first.stdout[-3000:]

    # Harbor's release on east: recorded by Helm, objects stored, port names fixed, Istio in front.
    listed = subprocess.run([lab["HELM"], "list", "-n", s.harbor_ns, "-o", "json", "--kubeconfig",
                             lab["K8S_EAST_KUBECONFIG"]], capture_output=True, text=True, check=True)
    release = json.loads(listed.stdout)
    assert [(r["name"], r["status"], r["chart"]) for r in release] == [("harbor", "deployed", "harbor-1.19.1")]
    from kubernetes import client
    east_api = core(lab, "east").api_client
    services = client.CoreV1Api(east_api).list_namespaced_service(s.harbor_ns).items
    assert "harbor-core" in [svc.metadata.name for svc in services]
    assert set(svc.spec.type for svc in services) == {"ClusterIP"}
    for svc in services:  # Istio's convention: <protocol>[-suffix] or appProtocol
        for port in svc.spec.ports:
            assert port.app_protocol or port.name.split("-")[0] in ISTIO_PROTOCOLS, (svc.metadata.name, port)
    routes = client.CustomObjectsApi(east_api).list_namespaced_custom_object(
        "networking.istio.io", "v1", s.harbor_ns, "virtualservices")["items"]
    assert routes and all(r["spec"]["hosts"] == ["harbor.lab.berth.test"] for r in routes)
    to_core = [route["destination"]["host"] for r in routes for http in r["spec"].get("http", [])
               if {"uri": {"prefix": "/v2/"}} in http.get("match", []) for route in http["route"]]
    assert to_core == ["harbor-core.%s.svc.cluster.local" % s.harbor_ns]

    # Keycloak: Harbor's client and one group per team of any cluster, members as the inventory says.
    groups = s.kc_groups()
    assert set(groups) == {t["a"], t["a"] + "-admins", t["b"], t["c"]}
    members = sorted(u["username"] for u in s.kc.get_group_members(groups[t["a"]]["id"]))
    assert members == [s.users["alice"]["username"], s.users["bob"]["username"]]
    harbor_client = [c for c in s.kc.get_clients() if c["clientId"] == "harbor"][0]
    assert harbor_client["redirectUris"] == [lab["HARBOR_URL"] + "/c/oidc/callback"]

    # Harbor: OIDC against the realm; each team's project with its OIDC groups as members.
    config = s.api.get("/configurations")
    assert config["auth_mode"]["value"] == "oidc_auth"
    assert config["oidc_endpoint"]["value"] == "%s/realms/%s" % (lab["KEYCLOAK_URL"], s.realm)
    assert config["oidc_groups_claim"]["value"] == "groups"
    assert config["oidc_scope"]["value"] == "openid,profile,email,offline_access"
    assert s.project_members("a") == {"admin": PROJECT_ADMIN, t["a"]: DEVELOPER, t["a"] + "-admins": PROJECT_ADMIN}
    assert s.project_members("c") == {"admin": PROJECT_ADMIN, t["c"]: DEVELOPER}

    # Each cluster exactly its own teams, with pull and push Secrets where the inventory wants them.
    assert s.namespaces("east") == [t["a"], t["b"]]
    assert s.namespaces("west") == [t["b"], t["c"]]
    assert sorted(s.robot_credentials("west", "b")) == ["harbor-pull"]  # west pushes nothing for B
    assert sorted(s.robot_credentials("east", "b")) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]

    # tenants.yml's policy role: the Gatekeeper templates on every cluster (Constraints are not
    # applied in the lab, which runs no Gatekeeper controller).
    for cluster in ("east", "west"):
        templates = client.CustomObjectsApi(core(lab, cluster).api_client).list_cluster_custom_object(
            "templates.gatekeeper.sh", "v1", "constrainttemplates")["items"]
        assert {"k8sallowedrepos", "k8sdisallowedtags", "k8scontainerlimits"} <= {t["metadata"]["name"] for t in templates}

    # The teams' robots were made by the system robot site.yml bootstrapped, not by the admin.
    automation = [r for r in s.api.robots("name=" + s.robot) if r["name"].endswith("$" + s.robot)]
    assert len(automation) == 1
    project = s.api.project(t["b"])
    robots = s.api.robots("Level=project,ProjectID=%d" % project["project_id"])
    assert sorted(r["name"].split("+", 1)[1] for r in robots) == ["pull-east", "pull-west", "push-east"]
    assert set((r["creator_type"], r["creator_ref"]) for r in robots) == {("robot", automation[0]["id"])}
    kept = s.secret_values("east", s.harbor_ns)["berth-harbor-automation"]
    assert s.api.token_subject(kept["username"], kept["password"]) == kept["username"]


def test_second_run_changes_nothing_and_shows_no_secret(site):
    s = site
    before = dict((c, dict((t, s.robot_credentials(c, t)) for t in teams))
                  for c, teams in (("east", "ab"), ("west", "bc")))
    proc = s.run(verbosity=3, args=["--diff"])
    stats = recap(proc)
    assert stats["east"]["changed"] == 0 and stats["west"]["changed"] == 0, changed_tasks(proc)
    after = dict((c, dict((t, s.robot_credentials(c, t)) for t in teams))
                 for c, teams in (("east", "ab"), ("west", "bc")))
    assert after == before

    output = s.first.stdout + s.first.stderr + proc.stdout + proc.stderr
    for secret in site_secrets(s):
        assert secret not in output


def site_secrets(s):
    """Every secret site.yml made or used, read back from the servers."""
    harbor_client = [c for c in s.kc.get_clients() if c["clientId"] == "harbor"][0]
    secrets = [s.kc.get_client_secrets(harbor_client["id"])["value"], s.lab["HARBOR_PASSWORD"],
               s.lab["KEYCLOAK_PASSWORD"], s.secret_values("east", s.harbor_ns)["berth-harbor-automation"]["password"]]
    secrets += [password for cluster, teams in (("east", "ab"), ("west", "bc")) for team in teams
                for _user, password in s.robot_credentials(cluster, team).values()]
    chart = s.secret_values("east", s.harbor_ns)
    secrets += [v for name, data in chart.items() if name == "harbor-berth-secrets" for v in data.values() if len(v) >= 16]
    assert len(secrets) > 10
    return secrets


def test_check_diff_on_a_changed_inventory_writes_nothing(site, tmp_path):
    s, t = site, site.teams

    def edit(teams):
        teams[1]["quota"] = "3GiB"  # Team C
        teams.append({"name": "Team D{{ berth_lab_suffix }}", "quota": "1GiB"})

    inventory = changed_inventory(tmp_path, "west", edit)
    before = s.robot_credentials("west", "c")

    proc = s.run(inventory=inventory, args=["--check", "--diff"], verbosity=3)
    output = proc.stdout + proc.stderr
    for secret in site_secrets(s):  # -vvv shows every task's result, --diff every diff
        assert secret not in output
    assert sorted(changed_tasks(proc)) == sorted([
        ("east", "One group per team (Team A becomes team-a)"),
        ("west", "All teams of this cluster"),
    ])
    assert "Team D%s" % s.suffix in proc.stdout.split("One group per team")[1].split("TASK [")[0]
    diff = proc.stdout.split("TASK [berth.platform.tenant : All teams of this cluster]")[-1].split("TASK [")[0]
    assert str(GIB * 3) in diff and t["d"] in diff
    assert "3 teams: 1 created, 1 updated, 0 removed, 1 unchanged, 0 failed (check mode: nothing written)" in output

    # Nothing written anywhere.
    assert t["d"] not in s.kc_groups()
    assert s.namespaces("west") == [t["b"], t["c"]]
    assert s.api.project(t["d"]) is None
    project = s.api.project(t["c"])
    quota = s.api.get("/quotas", reference="project", reference_id=project["project_id"])[0]["hard"]["storage"]
    assert quota != 3 * GIB
    assert s.robot_credentials("west", "c") == before


def test_team_member_logs_in_and_pulls_outsider_is_refused(site, tmp_path):
    s, lab, team_a = site, site.lab, site.teams["a"]
    image = "%s/app:v1" % team_a
    pushed, digest = push(lab, tmp_path, image, *s.robot_credentials("east", "a")["harbor-push"])
    assert pushed.returncode == 0, pushed.stderr

    # bob: in group team-a only - onboarded at his first login, developer of team-a through the group.
    callback, browser = harbor_oidc_login(lab, s.users["bob"])
    assert callback.status_code == 302, callback.text[:500]
    me = browser.get(lab["HARBOR_URL"] + "/api/v2.0/users/current", timeout=30).json()
    assert me["username"] == s.users["bob"]["username"] and me["admin_role_in_auth"] is False
    project = browser.get(lab["HARBOR_URL"] + "/api/v2.0/projects/" + team_a, timeout=30).json()
    assert project["current_user_role_ids"] == [DEVELOPER]
    cli_secret = me["oidc_user_meta"]["secret"]
    pulled, pulled_digest = pull(lab, tmp_path, image, me["username"], cli_secret)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled_digest == digest

    # carol: in no team - she can log in, but team-a is not hers.
    callback, browser = harbor_oidc_login(lab, s.users["carol"])
    assert callback.status_code == 302, callback.text[:500]
    outsider = browser.get(lab["HARBOR_URL"] + "/api/v2.0/users/current", timeout=30).json()
    seen = browser.get(lab["HARBOR_URL"] + "/api/v2.0/projects/" + team_a, timeout=30)
    assert seen.status_code in (403, 404) or not seen.json().get("current_user_role_ids")
    refused, dummy = pull(lab, tmp_path, image, outsider["username"], outsider["oidc_user_meta"]["secret"])
    assert refused.returncode != 0
    assert "unauthorized" in refused.stderr.lower() or "denied" in refused.stderr.lower(), refused.stderr
