"""playbooks/tenants.yml with tenant_bulk (the tenant role's one-task form) and playbooks/drift.yml on
the lab's two clusters (inventory playbooks/inventories/lab: east A+B, west B+C), read back.

Proves: the bulk form gives each cluster exactly its own namespaces, Secrets and robots (west's team
B without a push robot) and a rerun changes nothing on either host; drift.yml exits 0 and says "no
drift" on a converged platform, and after a Secret is lost on east and the inventory adds a team,
it exits non-zero, prints both in its table and writes them to the JSON or Markdown report -
while writing nothing to the servers.
"""

import json
import os
import uuid

import pytest

from conftest import require
from harbor_api import HarborApi
from harbor_fixtures import create_group
from test_tenants import INVENTORY, PLAYBOOKS, changed_inventory, core, recap


class Drift:
    def __init__(self, lab, run_playbook):
        self.lab = lab
        self.run_playbook = run_playbook
        self.suffix = uuid.uuid4().hex[:8]
        self.names = dict((t, "team-%s-%s" % (t, self.suffix)) for t in "abcd")
        self.api = HarborApi(lab)

    def run(self, playbook, inventory=INVENTORY, extra=(), check=True):
        args = ["-i", str(inventory), "-e", "berth_policy_enabled=false"] + list(extra)
        return self.run_playbook(os.path.join(PLAYBOOKS, playbook), extra_args=args, check=check,
                                 env_overrides={"BERTH_LAB_SUFFIX": "-" + self.suffix})

    def secrets(self, cluster, team):
        return sorted(s.metadata.name for s in core(self.lab, cluster).list_namespaced_secret(
            self.names[team], label_selector="berth.platform/cluster=" + cluster).items)

    def robots(self, team):
        project = self.api.project(self.names[team])
        return sorted(r["name"].split("+", 1)[1]
                      for r in self.api.robots("Level=project,ProjectID=%d" % project["project_id"]))


@pytest.fixture(scope="module")
def drift(lab, run_playbook):
    require(lab, "HARBOR_URL", "K8S_EAST_KUBECONFIG", "K8S_WEST_KUBECONFIG")
    d = Drift(lab, run_playbook)
    groups = []
    try:
        for group in (d.names["a"], d.names["a"] + "-admins", d.names["b"], d.names["c"], d.names["d"]):
            groups.append(create_group(d.api, group, group_type=3))
        yield d
    finally:
        for name in d.names.values():
            d.api.delete_project(name)
        for group_id in groups:
            d.api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))
        for cluster in ("east", "west"):
            for name in d.names.values():
                try:  # asynchronous; not waited for
                    core(lab, cluster).delete_namespace(name)
                except Exception:  # pylint: disable=broad-except
                    pass


def test_bulk_role_then_drift_report(drift, tmp_path):
    d, n = drift, drift.names
    first = d.run("tenants", extra=["-e", "tenant_bulk=true"])
    assert "2 teams: 2 created, 0 updated, 0 removed, 0 unchanged, 0 failed" in first.stdout
    assert d.secrets("east", "a") == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"]
    assert d.secrets("west", "b") == ["harbor-pull"]  # push robot turned off on west
    assert d.robots("b") == ["pull-east", "pull-west", "push-east"]
    assert d.robots("c") == ["pull-west", "push-west"]
    again = d.run("tenants", extra=["-e", "tenant_bulk=true"])
    assert recap(again)["east"]["changed"] == 0 and recap(again)["west"]["changed"] == 0
    assert again.stdout.count("2 teams: 0 created, 0 updated, 0 removed, 2 unchanged, 0 failed") == 2

    report = tmp_path / "clean.json"
    clean = d.run("drift", extra=["-e", "drift_report=%s" % report])
    assert "no drift" in clean.stdout
    assert json.loads(report.read_text()) == {"drift": False, "objects": 0, "clusters": [], "rows": []}

    # A lost Secret on east, and a team the inventory adds there.
    core(d.lab, "east").delete_namespaced_secret("harbor-push", n["a"])
    inventory = changed_inventory(tmp_path, "east", lambda teams: teams.append({"name": "Team D-" + d.suffix}))
    markdown = tmp_path / "drift.md"
    drifted = d.run("drift", inventory=inventory, extra=["-e", "drift_report=%s" % markdown], check=False)
    assert drifted.returncode == 2, drifted.stdout[-3000:]
    assert "drift on east" in drifted.stdout and "run tenants.yml to converge" in drifted.stdout
    table = drifted.stdout.split("TASK [Drift table]", 1)[1].split("TASK [", 1)[0]
    assert "secret harbor-push" in table and n["a"] in table and n["d"] in table
    assert "west" not in table.split("cluster", 1)[1]  # west has not drifted
    lines = markdown.read_text().splitlines()
    assert lines[0] == "| cluster | team | namespace | object | action |"
    assert "| east | Team A-%s | %s | secret harbor-push | create |" % (d.suffix, n["a"]) in lines
    assert "| east | Team D-%s | %s | project | create |" % (d.suffix, n["d"]) in lines
    # Nothing was written.
    assert "harbor-push" not in d.secrets("east", "a")
    assert d.api.project(n["d"]) is None
