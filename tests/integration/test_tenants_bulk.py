"""berth.platform.tenants (the bulk reconcile) against the lab's east API server and harbor-core,
read back from both.

One sequence, each step building on the last: create three teams -> rerun unchanged -> check mode
with --diff (a quota changed, a team added, a Secret lost) writes nothing -> the same for real ->
partial failure (one team's ServiceAccount name is invalid: the others converge, the module fails
naming it, a rerun with the fix finishes) -> exclusive (a marked team not listed is offboarded, an
unmarked namespace is not touched) -> delete (state absent, purge). No robot secret appears in any
output. The cluster name carries a uuid, so robots and Secret labels are this test's own.
"""

import json
import uuid

import pytest

from conftest import require
from harbor_api import HarborApi
from harbor_fixtures import create_group
from test_tenants import GIB, core, docker_credentials

SERVICE_ACCOUNT_ERROR = "serviceaccount"


class Bulk:
    def __init__(self, lab, run_playbook, tmp_path_factory):
        self.lab = lab
        self.run_playbook = run_playbook
        self.suffix = uuid.uuid4().hex[:6]
        self.cluster = "bulk" + self.suffix
        self.names = dict((t, "bulk-%s-%s" % (t, self.suffix)) for t in "abcde")
        self.api = HarborApi(lab)
        self.core = core(lab, "east")
        self.out = str(tmp_path_factory.mktemp("bulk") / "result.json")
        self.outputs = []

    def team(self, key, **extra):
        return dict(name=self.names[key], **extra)

    def run(self, teams, check=False, diff=False, may_fail=False, exclusive=False):
        extra = dict(bulk_teams=teams, bulk_cluster=self.cluster, bulk_out=self.out,
                     bulk_may_fail=may_fail, bulk_exclusive=exclusive)
        args = ["-e", json.dumps(extra)] + (["--check"] if check else []) + (["--diff"] if diff else [])
        proc = self.run_playbook("tenants_bulk", verbosity=3, extra_args=args)
        self.outputs.append(proc.stdout + proc.stderr)
        with open(self.out) as handle:
            return json.load(handle)

    def by_name(self, result):
        return dict((t["name"], t) for t in result["teams"])

    def robots(self, key):
        project = self.api.project(self.names[key])
        found = self.api.robots("Level=project,ProjectID=%d" % project["project_id"]) if project else []
        return sorted(r["name"].split("+", 1)[1] for r in found if self.cluster in r["name"])

    def secrets(self, key):
        return sorted(s.metadata.name for s in self.core.list_namespaced_secret(
            self.names[key], label_selector="berth.platform/cluster=" + self.cluster).items)

    def quota(self, key):
        project = self.api.project(self.names[key])
        return self.api.get("/quotas", reference="project", reference_id=project["project_id"])[0]["hard"]["storage"]

    def linked(self, key, account="default"):
        sa = self.core.read_namespaced_service_account(account, self.names[key])
        return [s.name for s in sa.image_pull_secrets or []]


@pytest.fixture(scope="module")
def bulk(lab, run_playbook, tmp_path_factory):
    require(lab, "HARBOR_URL", "HARBOR_HOST", "K8S_EAST_KUBECONFIG")
    b = Bulk(lab, run_playbook, tmp_path_factory)
    groups = []
    try:
        for key in "abcde":  # the OIDC groups Harbor would create at a first login (see test_tenants)
            groups.append(create_group(b.api, b.names[key], group_type=3))
        groups.append(create_group(b.api, b.names["a"] + "-admins", group_type=3))
        yield b
    finally:
        for name in b.names.values():
            b.api.delete_project(name)
        for group_id in groups:
            b.api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))
        for name in list(b.names.values()) + ["bulk-unmarked-" + b.suffix]:
            try:  # asynchronous; not waited for
                b.core.delete_namespace(name)
            except Exception:  # pylint: disable=broad-except
                pass


def test_bulk_reconcile_lifecycle(bulk):
    b, n = bulk, bulk.names
    teams = [b.team("a", admins=["alice"], quota="1GiB", display_name="Team A"), b.team("b"), b.team("c")]

    # create
    first = b.run(teams)
    assert first["changed"] and first["summary"]["created"] == 3, first["msg"]
    assert first["msg"] == "3 teams: 3 created, 0 updated, 0 removed, 0 unchanged, 0 failed"
    for key in "abc":
        assert b.robots(key) == ["pull-" + b.cluster, "push-" + b.cluster]
        assert b.secrets(key) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]
        assert b.linked(key) == ["harbor-pull"]
        creds = docker_credentials(b.lab, "east", n[key])
        assert creds["harbor-pull"][0] == "robot$%s+pull-%s" % (n[key], b.cluster)
        for user, password in creds.values():
            assert b.api.token_subject(user, password) == user
    ns = b.core.read_namespace(n["a"])
    assert ns.metadata.labels["berth.platform/team"] == n["a"]
    assert ns.metadata.labels["app.kubernetes.io/managed-by"] == "berth.platform"
    assert ns.metadata.annotations["berth.platform/display-name"] == "Team A"
    assert b.quota("a") == GIB
    members = dict((m["entity_name"], m["role_name"]) for m in b.api.get("/projects/%s/members" % n["a"])
                   if m["entity_type"] == "g")
    assert members == {n["a"]: "developer", n["a"] + "-admins": "projectAdmin"}
    secrets = [cred[1] for key in "abc" for cred in docker_credentials(b.lab, "east", n[key]).values()]

    # rerun: nothing changes
    again = b.run(teams)
    assert not again["changed"] and again["summary"]["unchanged"] == 3, again["msg"]
    assert [cred[1] for key in "abc" for cred in docker_credentials(b.lab, "east", n[key]).values()] == secrets

    # check mode + diff: quota of A, new team D, B's pull Secret lost -> reported, nothing written
    b.core.delete_namespaced_secret("harbor-pull", n["b"])
    changed = [b.team("a", admins=["alice"], quota="2GiB", display_name="Team A"), b.team("b"), b.team("c"),
               b.team("d")]
    plan = b.run(changed, check=True, diff=True)
    status = dict((name, t["status"]) for name, t in b.by_name(plan).items())
    assert status == {n["a"]: "updated", n["b"]: "updated", n["c"]: "unchanged", n["d"]: "created"}, plan["teams"]
    assert "project: update" in b.by_name(plan)[n["a"]]["changes"]
    assert "secret harbor-pull: create" in b.by_name(plan)[n["b"]]["changes"]
    assert "(check mode: nothing written)" in plan["msg"]
    assert "storage_quota" in b.outputs[-1]  # the diff names what differs
    assert b.quota("a") == GIB and b.api.project(n["d"]) is None
    assert "harbor-pull" not in b.secrets("b")
    with pytest.raises(Exception):
        b.core.read_namespace(n["d"])

    # update for real
    applied = b.run(changed)
    status = dict((name, t["status"]) for name, t in b.by_name(applied).items())
    assert status == {n["a"]: "updated", n["b"]: "updated", n["c"]: "unchanged", n["d"]: "created"}
    assert b.quota("a") == 2 * GIB
    # B's pull robot had no Secret left: it got a new secret, written back; still one robot.
    assert b.robots("b") == ["pull-" + b.cluster, "push-" + b.cluster]
    user, password = docker_credentials(b.lab, "east", n["b"])["harbor-pull"]
    assert b.api.token_subject(user, password) == user
    assert b.linked("b") == ["harbor-pull"]
    secrets += [cred[1] for key in "bd" for cred in docker_credentials(b.lab, "east", n[key]).values()]

    # partial failure: E's ServiceAccount name is invalid; the others converge, the module fails
    broken = changed + [b.team("e", service_accounts=["Not_A_Valid_Name"])]
    partial = b.run(broken, may_fail=True)
    assert partial.get("failed"), partial["msg"]
    failed = b.by_name(partial)[n["e"]]
    assert failed["status"] == "failed" and SERVICE_ACCOUNT_ERROR in failed["error"].lower(), failed
    assert "1 failed" in partial["msg"] and n["e"] in partial["msg"]
    assert all(t["status"] == "unchanged" for name, t in b.by_name(partial).items() if name != n["e"])
    fixed = b.run(changed + [b.team("e")])
    assert b.by_name(fixed)[n["e"]]["status"] in ("created", "updated") and not fixed.get("failed")
    assert b.robots("e") == ["pull-" + b.cluster, "push-" + b.cluster]  # no duplicate after the failure
    assert b.linked("e") == ["harbor-pull"]

    # exclusive: C is marked but not listed -> offboarded; an unmarked namespace is never touched
    b.core.create_namespace({"metadata": {"name": "bulk-unmarked-" + b.suffix}})
    kept = [t for t in changed if t["name"] != n["c"]] + [b.team("e")]
    exclusive = b.run(kept, exclusive=True)
    offboarded = b.by_name(exclusive)[n["c"]]
    assert offboarded["status"] == "removed" and offboarded.get("unlisted"), offboarded
    assert b.secrets("c") == [] and b.robots("c") == []
    assert "harbor-pull" not in b.linked("c")
    assert b.core.read_namespace(n["c"]).metadata.name == n["c"]  # never purged by exclusive
    assert b.api.project(n["c"]) is not None
    assert "bulk-unmarked-" + b.suffix not in [t["namespace"] for t in exclusive["teams"]]
    assert not b.run(kept, exclusive=True)["changed"]

    # delete: state absent with purge
    gone = b.run([dict(t, state="absent", purge=True) for t in kept])
    assert gone["summary"]["removed"] == 4, gone["msg"]
    for key in "abde":
        assert b.api.project(n[key]) is None
        assert _deleted(b, key)

    text = "\n".join(b.outputs)
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, "%d robot secrets in the -vvv output" % len(leaked)


def _deleted(b, key):
    ns = b.core.list_namespace(field_selector="metadata.name=" + b.names[key]).items
    return not ns or ns[0].metadata.deletion_timestamp is not None


def test_a_terminating_namespace_fails_its_team_only(bulk):
    """A namespace being deleted still holds its Secrets for a while: taking them as current would
    report the team converged with robots of a project that may be gone. Its team fails, saying so,
    with nothing written for it; the other team converges."""
    b = bulk
    held, other = "bulk-t-%s" % b.suffix, "bulk-u-%s" % b.suffix  # names of this test alone
    groups = [create_group(b.api, name, group_type=3) for name in (held, other)]
    b.core.create_namespace({"metadata": {"name": held, "finalizers": ["berth.platform/test-hold"]}})
    try:
        b.core.delete_namespace(held)  # stays Terminating while the finalizer is there
        result = b.run([dict(name=held), dict(name=other)], may_fail=True)
        assert result.get("failed"), result["msg"]
        teams = b.by_name(result)
        assert teams[held]["status"] == "failed", teams[held]
        assert "is being deleted (Terminating since" in teams[held]["error"]
        assert "nothing of this team was changed" in teams[held]["error"]
        assert teams[other]["status"] == "created", teams[other]
        assert b.api.project(held) is None  # read back: no project made for it
        assert b.api.project(other) is not None
    finally:
        b.core.patch_namespace(held, {"metadata": {"finalizers": None}})
        b.run([dict(name=other, state="absent", purge=True)], may_fail=True)
        for group in groups:
            b.api.call("DELETE", "/usergroups/%s" % group, expect=(200, 404))
