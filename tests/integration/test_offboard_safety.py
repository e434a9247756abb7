# -*- coding: utf-8 -*-
"""Offboarding safety (issue 22, items 4 and 5) against the lab: playbooks/offboard_team.yml, the
tenant role and the tenants module on the two clusters east and west, read back from both
kube-apiservers and the real harbor-core.

One team, "Équipe Z <uuid>" (a space and an accent), lives on both clusters: one namespace per
cluster, the shared Harbor project (with one repository) holding pull-east, push-east, pull-west
and push-west. In order:

1. a purge limited to west (--limit west) is refused, in check mode too, naming east and what it
   would delete; nothing is touched and east's pull Secret still pulls;
2. a name split at a space (-e offboard_team='Équipe Z ...' in key=value form) and a name no
   cluster lists are refused with the JSON hint and the teams the inventory knows; the JSON form
   is accepted and prints the normalized name and the clusters;
3. the role on west alone with purge (bulk and per-item) is refused while east's robots remain,
   in check mode too, with nothing touched; purge_force purges;
4. after tenants.yml brings the team back, a full offboard with purge on both clusters (no
   limit): check mode plans it and deletes nothing, the real run deletes the project and both
   namespaces (Terminating counts as gone), a rerun changes nothing - also once the inventory
   sets the team absent.
"""

import functools
import json
import os
import re
import shutil
import uuid

import pytest
import yaml

from conftest import require
from lab_kube import DELETE_TIMEOUT, wait_until
from harbor_api import HarborApi, pull, push
from test_tenants import INVENTORY, PLAYBOOKS, core, docker_credentials, recap

CLUSTERS = ("east", "west")


class Offboard:
    def __init__(self, lab, run_playbook, tmp_path_factory):
        self.lab = lab
        self.run_playbook = run_playbook
        self.suffix = uuid.uuid4().hex[:8]
        self.team = u"Équipe Z " + self.suffix
        self.ns = "equipe-z-" + self.suffix
        self.api = HarborApi(lab)
        self.tmp = tmp_path_factory.mktemp("offboard")
        self.inventory = self.write_inventory("present")

    def write_inventory(self, state, name="inventory"):
        """The lab inventory with the one team on both clusters (in ``state``)."""
        inventory = self.tmp / name
        if inventory.exists():
            shutil.rmtree(str(inventory))
        shutil.copytree(INVENTORY, str(inventory))
        for cluster in CLUSTERS:
            path = inventory / "group_vars" / ("cluster_%s.yml" % cluster)
            data = yaml.safe_load(path.read_text())
            data["berth_teams"] = [dict(name=self.team, display_name=u"Équipe Z", state=state)]
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return inventory

    def run(self, playbook, extra=(), args=(), inventory=None, tests_playbook=False):
        """ansible-playbook on the two-cluster inventory; the process, whatever its exit code."""
        extra_args = ["-i", str(inventory or self.inventory), "-e", "berth_policy_enabled=false",
                      "-e", "tenant_oidc_members=false"]
        for item in extra:
            extra_args += ["-e", item if isinstance(item, str) else json.dumps(item)]
        name = playbook if tests_playbook else os.path.join(PLAYBOOKS, playbook)
        return self.run_playbook(name, extra_args=extra_args + list(args), check=False,
                                 env_overrides={"BERTH_LAB_SUFFIX": "-" + self.suffix})

    def converge(self):
        proc = self.run("tenants")
        assert proc.returncode == 0, proc.stdout[-3000:]
        return proc

    def offboard(self, extra, args=(), inventory=None):
        return self.run("offboard_team", extra=[extra], args=args, inventory=inventory)

    def role(self, teams, hosts="west", args=()):
        return self.run("tenant_role_teams", extra=[{"role_hosts": hosts, "role_teams": teams}], args=args,
                        tests_playbook=True)

    # -- reading back ----------------------------------------------------------------------
    def robots(self):
        project = self.api.project(self.ns)
        if project is None:
            return None
        return sorted(r["name"].split("+", 1)[1]
                      for r in self.api.robots("Level=project,ProjectID=%d" % project["project_id"]))

    def namespace(self, cluster):
        """'active', 'terminating' or None."""
        found = core(self.lab, cluster).list_namespace(field_selector="metadata.name=" + self.ns).items
        if not found:
            return None
        return "terminating" if found[0].metadata.deletion_timestamp else "active"

    def secrets(self, cluster):
        if self.namespace(cluster) is None:
            return []
        return sorted(s.metadata.name for s in core(self.lab, cluster).list_namespaced_secret(
            self.ns, label_selector="berth.platform/cluster=" + cluster).items)

    def state(self):
        project = self.api.project(self.ns)
        return dict(project=project and project["project_id"], robots=self.robots(),
                    namespaces=dict((c, self.namespace(c)) for c in CLUSTERS),
                    secrets=dict((c, self.secrets(c)) for c in CLUSTERS))


def output(proc):
    """The play output, followed by every "msg" decoded (the default callback prints results as
    JSON, escaping quotes and possibly non-ASCII)."""
    text = proc.stdout + proc.stderr
    messages = [json.loads(m) for m in re.findall(r'"msg": ("(?:[^"\\]|\\.)*")', text)]
    return "\n".join([text] + messages)


FULL = {"project": True, "robots": ["pull-east", "pull-west", "push-east", "push-west"],
        "namespaces": {"east": "active", "west": "active"},
        "secrets": {c: ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"] for c in CLUSTERS}}


def assert_full(state):
    assert dict(state, project=state["project"] is not None) == FULL, state


@pytest.fixture(scope="module")
def off(lab, run_playbook, tmp_path_factory):
    require(lab, "HARBOR_URL", "HARBOR_HOST", "HARBOR_CERT_DIR", "HARBOR_CA_PATH", "K8S_EAST_KUBECONFIG",
            "K8S_WEST_KUBECONFIG", "SKOPEO")
    o = Offboard(lab, run_playbook, tmp_path_factory)
    try:
        o.converge()
        pushed, dummy = push(lab, o.tmp, "%s/app:v1" % o.ns, o.api.auth[0], o.api.auth[1])
        assert pushed.returncode == 0, pushed.stderr
        assert_full(o.state())
        yield o
    finally:
        o.api.delete_project(o.ns)
        for cluster in CLUSTERS:
            try:  # asynchronous; not waited for
                core(lab, cluster).delete_namespace(o.ns)
            except Exception:  # pylint: disable=broad-except
                pass


def test_purge_limited_to_one_cluster_is_refused_naming_the_other(off):
    before = off.state()
    east_pull = docker_credentials(off.lab, "east", off.ns)["harbor-pull"]
    for check in (["--check"], []):
        proc = off.offboard({"offboard_team": off.team, "offboard_purge": True}, args=["--limit", "west"] + check)
        text = output(proc)
        assert proc.returncode != 0, text[-3000:]
        assert "Purge refused: east still lists team %s and is not in this run (--limit)" % off.ns in text, text[-3000:]
        assert "namespace %s on west" % off.ns in text
        assert "Harbor project %s with all its 1 repository" % off.ns in text
        assert "offboard_purge_force=true" in text
        assert off.state() == before
    # east still pulls with its Secret's credentials.
    assert off.api.token_subject(*east_pull) == east_pull[0]
    pulled, dummy = pull(off.lab, off.tmp, "%s/app:v1" % off.ns, *east_pull)
    assert pulled.returncode == 0, pulled.stderr


def test_a_split_or_unknown_name_is_refused_with_the_json_hint(off):
    before = off.state()
    # -e offboard_team='Équipe Z <suffix>' in key=value form: Ansible splits it at the spaces.
    split = off.run("offboard_team", extra=["offboard_team=%s" % off.team, "offboard_purge=true"])
    text = output(split)
    assert split.returncode != 0
    assert "split at a space" in text and "offboard_team=Équipe" in text, text[-3000:]
    assert '-e \'{"offboard_team": "%s"}\'' % off.team in text

    # What the split form hands over when nothing is left over: a team no cluster lists.
    for name in (u"Équipe", "Team"):
        unknown = off.offboard({"offboard_team": name, "offboard_purge": True})
        text = output(unknown)
        assert unknown.returncode != 0
        assert "No cluster of the inventory (east, west) lists a team named \"%s\"" % name in text, text[-3000:]
        assert "The inventory knows: %s." % off.team in text
        assert '-e \'{"offboard_team": "Team C"}\'' in text
    assert off.state() == before

    # The JSON form is taken, in any spelling that normalizes alike; it says what it acts on.
    proc = off.offboard({"offboard_team": off.ns.replace("-", " ").upper()}, args=["--check"])
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert "Offboarding team %s" % off.ns in text and "on east, west (check mode: nothing written)" in text
    assert "listed by east: present, west: present" in text and "No purge" in text
    assert off.state() == before


def test_the_role_refuses_a_purge_while_another_clusters_robots_remain(off):
    before = off.state()
    team = {"name": off.team, "state": "absent", "purge": True}
    for bulk, check in (("true", ["--check"]), ("true", []), ("false", [])):
        proc = off.role([team], args=["-e", "tenant_bulk=" + bulk] + check)
        text = output(proc)
        assert proc.returncode != 0, text[-3000:]
        assert "purge refused: Harbor project %s (1 repository) is shared" % off.ns in text, text[-3000:]
        assert "east: pull-east, push-east" in text and "pull-west" not in text.split("purge refused")[1][:400]
        assert "Nothing of this team was changed" in text and "purge_force" in text
        assert off.state() == before, bulk

    # purge_force: planned in check mode (per item), then done (bulk); east's namespace is not touched.
    forced = dict(team, purge_force=True)
    proc = off.role([forced], args=["-e", "tenant_bulk=false", "--check"])
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert "purge_force: deleting Harbor project %s although clusters east still hold robots" % off.ns in text
    assert off.state() == before
    proc = off.role([forced])
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert "purge_force" in text and "east" in text
    after = off.state()
    assert after["project"] is None and after["robots"] is None
    assert after["namespaces"] == {"east": "active", "west": after["namespaces"]["west"]}
    assert after["namespaces"]["west"] in (None, "terminating")


def settled(api, name):
    """The namespace is gone, or there and not Terminating."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    try:
        return client.CoreV1Api(api).read_namespace(name).status.phase != "Terminating"
    except ApiException as exc:
        if exc.status == 404:
            return True
        raise


def test_full_offboard_with_purge_on_every_cluster(off):
    # The team back after the forced purge - once west's namespace has finished terminating (the API
    # server refuses new objects in a Terminating namespace; under load that takes a while).
    for cluster in CLUSTERS:
        api = core(off.lab, cluster).api_client
        assert wait_until(functools.partial(settled, api, off.ns), DELETE_TIMEOUT), cluster
    off.converge()
    pushed, dummy = push(off.lab, off.tmp, "%s/app:v1" % off.ns, off.api.auth[0], off.api.auth[1])
    assert pushed.returncode == 0, pushed.stderr
    before = off.state()
    assert_full(before)
    purge = {"offboard_team": off.team, "offboard_purge": True}

    # Check mode: the other cluster of the run does not hold the purge back, nothing is deleted.
    proc = off.offboard(purge, args=["--check"])
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    assert ("Purge: namespace {0} on east, west, then the Harbor project {0} (1 repository)".format(off.ns)
            in text), text[-3000:]
    assert off.state() == before

    proc = off.offboard(purge)
    text = output(proc)
    assert proc.returncode == 0, text[-3000:]
    after = off.state()
    assert after["project"] is None
    assert all(after["namespaces"][c] in (None, "terminating") for c in CLUSTERS), after

    again = off.offboard(purge)
    assert again.returncode == 0, again.stdout[-3000:]
    stats = recap(again)
    assert stats["east"]["changed"] == 0 and stats["west"]["changed"] == 0, again.stdout[-3000:]

    # The inventory then sets the team absent (the README's next step): still a team it lists.
    absent = off.write_inventory("absent", name="absent")
    proc = off.offboard(purge, args=["--check"], inventory=absent)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "listed by east: absent, west: absent" in output(proc)
    assert recap(proc)["east"]["changed"] == 0 and recap(proc)["west"]["changed"] == 0
