# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk tenant reconcile: every team of one cluster in one run.

The same rules as the ``tenant`` role (namespace, Harbor project, OIDC group
members, pull/push robots whose Secrets are the source of truth for their
secrets, unused robots of this cluster revoked), on the same adapters and the
same ensure engine as the single-object modules. What differs is reading:
current state comes from list calls made once (projects, quotas, namespaces,
this cluster's Secrets, ServiceAccounts) plus one member list and one robot
list per project - Harbor lists project robots only per project (GET /robots
without ProjectID means system robots). Teams are then planned and written in
parallel; a team's failure is recorded and the others go on. No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.berth.platform.plugins.module_utils.ensure import Prefetched, ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    ApiError, BerthError, Conflict, TransportError, ValidationError,
)
from ansible_collections.berth.platform.plugins.module_utils.harbor.members import (
    GROUP_TYPE_IDS, ROLE_NAMES, MemberAdapter, desired_member, exact_members, role_id, role_name,
)
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import ProjectAdapter, parse_size
from ansible_collections.berth.platform.plugins.module_utils.harbor.robots import (
    ROTATE, RobotAdapter, desired_permissions, list_robots,
)
from ansible_collections.berth.platform.plugins.module_utils.k8s import registry_secret as rs
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.naming import normalize_name

MANAGED_BY = ("app.kubernetes.io/managed-by", "berth.platform")
TEAM_LABEL = "berth.platform/team"
CLUSTER_LABEL = "berth.platform/cluster"
ROBOT_LABEL = "berth.platform/robot"
KINDS = ("pull", "push")
# A cluster's robot in a team project: <kind>-<cluster>, or its blue/green name .a/.b.
CLUSTER_ROBOT = re.compile(r"^(pull|push)-(?P<cluster>[a-z0-9]+(?:-[a-z0-9]+)*)(\.[ab])?$")


class Settings:
    """What the tenant role's variables say, for every team of the run."""

    def __init__(self, cluster, registry, member_role="developer", admin_role="project-admin",
                 oidc_members=True, default_quota=None, default_robots=None, secret_names=None,
                 default_service_accounts=("default",), labels=None, verify_secrets=False):
        self.cluster = normalize_name(cluster, kind="cluster")
        if not registry or "/" in registry.split("://", 1)[-1]:
            raise ValidationError("registry must be a host[:port] such as harbor.example.com, got %r"
                                  % registry, hint="set registry, or harbor_url to the registry's URL")
        self.registry = registry.split("://", 1)[-1]
        self.member_role = role_name(member_role)
        self.admin_role = role_name(admin_role)
        self.oidc_members = oidc_members
        self.default_quota = default_quota
        self.default_robots = default_robots or {"pull": {"enabled": True}, "push": {"enabled": True}}
        self.secret_names = secret_names or {"pull": ["harbor-pull"],
                                             "push": ["harbor-push", "harbor-push-dockerconfig"]}
        self.default_service_accounts = list(default_service_accounts)
        self.labels = dict(labels or {})
        self.labels.setdefault(*MANAGED_BY)
        self.verify_secrets = verify_secrets
        self.robot_pattern = re.compile(r"^(pull|push)-%s(\.[ab])?$" % re.escape(self.cluster))


def plan_teams(teams, settings):
    """The teams as the reconcile takes them; every input error raised here, before any request."""
    planned, problems, seen = [], [], {}
    for index, team in enumerate(teams):
        where = "teams[%d] (%s)" % (index, team.get("name"))
        try:
            planned.append(_plan_team(team, settings))
        except ValidationError as exc:
            problems.append("%s: %s" % (where, exc.message))
            continue
        name = planned[-1]["ns"]
        if name in seen:
            problems.append("%s: the name normalizes to %s like teams[%d]; give one of them another name"
                            % (where, name, seen[name]))
        seen[name] = index
    if problems:
        raise ValidationError("; ".join(problems), service="berth")
    return planned


def _plan_team(team, settings):
    name = team.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name is required (a string)")
    robots = {}
    given = team.get("robots") or {}
    if not isinstance(given, dict):
        raise ValidationError("robots must be a dict such as {pull: {enabled: true}, push: {duration: 90}}, not %r"
                              % (given,))
    extra = set(given.keys()) - set(KINDS)
    if extra:
        raise ValidationError("robots takes the keys pull and push only, not %s" % ", ".join(sorted(extra)))
    for kind in KINDS:
        if not isinstance(given.get(kind) or {}, dict):
            raise ValidationError("robots.%s must be a dict of enabled, description and duration (for example "
                                  "{enabled: false}), not %r" % (kind, given[kind]))
        opts = dict(settings.default_robots.get(kind) or {})
        opts.update(given.get(kind) or {})
        if not isinstance(opts.get("enabled", True), bool):
            raise ValidationError("robots.%s.enabled must be true or false, not %r" % (kind, opts["enabled"]))
        unknown = set(opts) - {"enabled", "description", "duration"}
        if unknown:
            raise ValidationError("robots.%s takes enabled, description and duration, not %s"
                                  % (kind, ", ".join(sorted(unknown))))
        duration = opts.get("duration")
        if duration is not None and (not isinstance(duration, int) or duration == 0 or duration < -1):
            raise ValidationError("robots.%s.duration must be -1 (never expires) or days > 0, not %r"
                                  % (kind, duration))
        robots[kind] = opts
    ns = normalize_name(name, kind="team name")
    purge_clusters = team.get("purge_clusters") or []
    if not isinstance(purge_clusters, (list, tuple)):
        raise ValidationError("purge_clusters must be a list of cluster names, not %r" % (purge_clusters,))
    purge_clusters = sorted(set(normalize_name(c, kind="cluster") for c in purge_clusters))
    quota = team.get("quota")
    if quota in (None, ""):
        quota = settings.default_quota
    accounts = team.get("service_accounts")
    return dict(name=name, ns=ns, state=team.get("state") or "present", purge=bool(team.get("purge")),
                purge_force=bool(team.get("purge_force")), purge_clusters=purge_clusters,
                display_name=team.get("display_name"), admins=bool(team.get("admins")),
                quota=parse_size(quota) if quota not in (None, "") else None, robots=robots,
                service_accounts=settings.default_service_accounts if accounts is None else list(accounts))


class Snapshot:
    """Current state from list calls, read once before any team is planned - the five lists side
    by side, Harbor's two with their pages side by side too (``workers`` at a time).

    The quota list is the slow one (Harbor waits 16 ms for each quota it lists): teams start
    without it, read their member and robot lists, and wait for it only to compare a quota."""

    def __init__(self, harbor, k8s, settings, workers=8):
        selector = "%s=%s" % (CLUSTER_LABEL, settings.cluster)
        reads = dict(quotas=lambda: harbor.quotas(workers=2 * workers),
                     projects=lambda: harbor.projects(workers=workers),
                     namespaces=lambda: k8s.list("v1", "Namespace"),
                     secrets=lambda: k8s.list("v1", "Secret", label_selector=selector),
                     accounts=lambda: k8s.list("v1", "ServiceAccount"))
        self.pool = ThreadPoolExecutor(max_workers=len(reads))
        futures = dict((name, self.pool.submit(read)) for name, read in reads.items())
        self.pool.shutdown(wait=False)
        self.quota_list = futures.pop("quotas")
        self.quotas_by_project = None
        got = dict((name, future.result()) for name, future in futures.items())
        self.projects = dict((p["name"], p) for p in got["projects"])
        self.namespaces = dict((n["metadata"]["name"], n) for n in got["namespaces"])
        self.secrets = dict(((s["metadata"]["namespace"], s["metadata"]["name"]), s) for s in got["secrets"])
        self.accounts = dict(((a["metadata"]["namespace"], a["metadata"]["name"]), a) for a in got["accounts"])

    def quota(self, project_id):
        """The listed quota record of a project (None when the list holds none)."""
        if self.quotas_by_project is None:
            self.quotas_by_project = dict(((q.get("ref") or {}).get("id"), q) for q in self.quota_list.result())
        return self.quotas_by_project.get(project_id)

    def managed_teams(self):
        """Namespaces that carry the collection's marker, by team name (for exclusive)."""
        return sorted(n["metadata"]["name"] for n in self.namespaces.values()
                      if (n["metadata"].get("labels") or {}).get(MANAGED_BY[0]) == MANAGED_BY[1]
                      and (n["metadata"].get("labels") or {}).get(TEAM_LABEL) == n["metadata"]["name"])


class TeamRun:
    """One team's reconcile: records each object's outcome; writes unless check mode."""

    def __init__(self, reconcile, team):
        self.r = reconcile
        self.s = reconcile.settings
        self.team = team
        self.ns = team["ns"]
        self.changes = []
        self.before = {}
        self.after = {}
        self.ns_new = False
        self.project = None
        self.project_new = False  # created by this run: it holds no member or robot of ours yet
        self.listed_members = None  # the project's members and robots, when read up front
        self.listed_robots = None
        self.warnings = []

    # -- bookkeeping -------------------------------------------------------------------
    def record(self, label, outcome):
        if outcome.changed:
            self.changes.append("%s: %s" % (label, outcome.action))
            diff = outcome.diff()
            self.before[label] = diff["before"]
            self.after[label] = diff["after"]
        return outcome

    def note(self, label, action, before=None, after=None):
        self.changes.append("%s: %s" % (label, action))
        self.before[label] = before if before is not None else {}
        self.after[label] = after if after is not None else {}

    def ensure(self, adapter, desired, state="present"):
        return ensure(adapter, desired, state=state, check_mode=self.r.check_mode)

    # -- present -----------------------------------------------------------------------
    def present(self):
        known = self.r.snapshot.projects.get(self.ns)
        if known is not None:  # read what the team needs anyway while the quota list loads
            if self.s.oidc_members:
                self.listed_members = self.r.harbor.paged("/projects/%d/members" % known["project_id"])
            self.listed_robots = list_robots(self.r.harbor, "project", known["project_id"])
        self.r.snapshot.quota(None)  # the quota list read (or its error raised) before this team writes
        self.namespace()
        self.project_present()
        if self.r.check_mode and self.project is None:
            self.note("members, robots and Secrets", "follow the new project")
            return
        if self.s.oidc_members:
            self.members()
        in_use = []
        robots = self.listed_robots
        if robots is None:
            robots = [] if self.project_new else list_robots(self.r.harbor, "project", self.project["project_id"])
        for kind in KINDS:
            in_use.extend(self.robot(kind, robots))
        self.revoke_unused(robots, in_use)

    def namespace(self):
        labels = dict(self.s.labels)
        labels[TEAM_LABEL] = self.ns
        meta = {"name": self.ns, "labels": labels}
        if self.team.get("display_name"):
            meta["annotations"] = {"berth.platform/display-name": self.team["display_name"]}
        desired = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
        current = self.r.snapshot.namespaces.get(self.ns)
        if current is not None and current["metadata"].get("deletionTimestamp"):
            # Its objects are going: Secrets that look current would name robots of a project
            # that may be gone too, and the API server refuses new objects in it.
            raise Conflict("namespace %s is being deleted (Terminating since %s); nothing of this team was "
                           "changed" % (self.ns, current["metadata"]["deletionTimestamp"]), service="k8s",
                           hint="run again once the namespace is gone (kubectl get namespace %s)" % self.ns)
        outcome = self.record("namespace", self.ensure(
            Prefetched(ManifestAdapter(self.r.k8s, kind="namespace"), current), desired))
        self.ns_new = outcome.action == "create"

    def project_present(self):
        desired = dict(name=self.ns, public=False, storage_quota=self.team["quota"])
        current = self.r.snapshot.projects.get(self.ns)
        adapter = ProjectAdapter(self.r.harbor)
        if current is not None and "_quota" not in current:
            current["_quota"] = self.r.snapshot.quota(current["project_id"])
        if current is not None and current.get("_quota") is None and desired["storage_quota"] is not None:
            # Listed without a quota (the list was read while the project was being made, or Harbor
            # keeps none): ask for this one rather than take it as missing.
            current["_quota"] = adapter.read_quota(current["project_id"])
        outcome = self.record("project", self.ensure(Prefetched(adapter, current), desired))
        # In check mode a project still to be created has no id: what needs one follows it.
        self.project = outcome.resource or current
        self.project_new = outcome.action == "create" and not self.r.check_mode

    def members(self):
        listed = self.listed_members
        if listed is None:
            listed = [] if self.project_new else self.r.harbor.paged("/projects/%d/members" % self.project["project_id"])
        admins_group = normalize_name(self.team["name"] + "-admins", kind="group")
        wanted = [(self.ns, self.s.member_role, "present"),
                  (admins_group, self.s.admin_role, "present" if self.team["admins"] else "absent")]
        for group, role, state in wanted:
            same = exact_members(listed, "g", group)
            if state == "present" and same and ROLE_NAMES.get(same[0].get("role_id")) == role:
                continue
            if state == "absent" and not same:
                continue
            if state == "present" and not same and self.add_group(group, role):
                continue
            desired = desired_member(self.ns, role=role if state == "present" else None, group=group,
                                     group_type="oidc", state=state)
            self.record("member %s" % group, self.ensure(MemberAdapter(self.r.harbor, state=state),
                                                         desired, state=state))

    def add_group(self, group, role):
        """Add the OIDC group ``group`` in one request, naming it: Harbor finds the group by name
        and type itself (and onboards an unknown one in oidc_auth). False when that is not the
        whole story - check mode, a refusal, an answer that may not have been applied - so the
        member adapter's path (find, then a duplicate-safe create) takes over and says why."""
        if self.r.check_mode:
            return False
        body = dict(role_id=role_id(role), member_group=dict(group_name=group, group_type=GROUP_TYPE_IDS["oidc"]))
        try:
            self.r.harbor.request("POST", "/projects/%d/members" % self.project["project_id"], json_body=body)
        except (ApiError, TransportError):
            return False
        self.note("member %s" % group, "create", {},
                  dict(project=self.ns, group=group, group_type="oidc", role=role))
        return True

    def stored_credentials(self, kind):
        """(robot name, full name, secret) from the first of this kind's Secrets that holds one
        of this cluster's robots, and every robot those Secrets name."""
        base = "%s-%s" % (kind, self.s.cluster)
        found = []
        for name in self.s.secret_names[kind]:
            secret = self.r.snapshot.secrets.get((self.ns, name))
            for user, password in _credentials(secret):
                robot = user.split("+")[-1]
                if ("+" in user and user.split("+")[0].endswith(self.ns) and password
                        and robot in (base, base + ".a", base + ".b")):
                    found.append((robot, user, password))
        return (found[0] if found else None), sorted(set(f[0] for f in found))

    def robot(self, kind, robots):
        opts = self.team["robots"][kind]
        names = self.s.secret_names[kind]
        if not opts.get("enabled", True):
            for name in names:
                self.secret_absent(name, kind)
            return []
        current, named = self.stored_credentials(kind)
        robot_name = current[0] if current else "%s-%s" % (kind, self.s.cluster)
        desired = dict(name=robot_name, permissions=desired_permissions("project", self.ns, access=kind),
                       description=opts.get("description") or "%s robot of %s for cluster %s (berth.platform)"
                       % (kind, self.ns, self.s.cluster),
                       duration=opts.get("duration"), disable=None,
                       secret=current[2] if current else ROTATE)
        adapter = RobotAdapter(self.r.harbor, "project", project=self.ns,
                               rotate="never" if current else "always", listed=robots,
                               trust_secret=not self.s.verify_secrets)
        adapter.project_id = self.project["project_id"]
        outcome = self.record("robot %s" % robot_name, self.ensure(adapter, desired))
        resource = outcome.resource or {}
        full_name = resource.get("name") or (current[1] if current else "robot$%s+%s" % (self.ns, robot_name))
        secret = resource.get("_secret") or (current[2] if current else None)
        self.write_secrets(kind, robot_name, full_name, secret)
        return [robot_name] + (named if self.r.check_mode else [])

    def write_secrets(self, kind, robot_name, full_name, secret):
        if self.r.check_mode and self.ns_new:
            self.note("Secrets of %s" % kind, "follow the new namespace")
            return
        # In check mode a robot still to be created has no secret: the Secret's creation shows anyway.
        config = rs.docker_config(self.s.registry, full_name, secret or "CheckMode0-no-secret-yet")
        labels = dict(self.s.labels)
        labels.update({TEAM_LABEL: self.ns, CLUSTER_LABEL: self.s.cluster, ROBOT_LABEL: robot_name})
        if kind == "pull":
            shapes = [(self.s.secret_names["pull"][0], "dockerconfigjson", self.team["service_accounts"])]
        else:
            shapes = [(self.s.secret_names["push"][0], "config_json", []),
                      (self.s.secret_names["push"][1], "dockerconfigjson", [])]
        for name, secret_type, accounts in shapes:
            desired = rs.manifest(name, self.ns, secret_type, config, labels)
            current = self.r.snapshot.secrets.get((self.ns, name))
            if current is None and not self.ns_new:  # not labelled for this cluster: read it, don't assume none
                current = self.r.k8s.get("v1", "Secret", name, self.ns)
            adapter = Prefetched(rs.RegistrySecretAdapter(self.r.k8s, kind="secret"), current)
            self.record("secret %s" % name, self.ensure(adapter, desired))
            for account in accounts:
                self.link(account, name, True)

    def link(self, account, secret_name, present):
        current = self.r.snapshot.accounts.get((self.ns, account))
        names = [s.get("name") for s in (current or {}).get("imagePullSecrets") or []]
        if present == (secret_name in names) and current is not None:
            return
        if current is None and not present:
            return
        before, after = rs.link_service_account(self.r.k8s, self.ns, account, secret_name, present,
                                                dry_run=self.r.check_mode)
        if before != after:
            self.note("serviceaccount %s" % account, "link" if present else "unlink",
                      {"imagePullSecrets": before}, {"imagePullSecrets": after})

    def secret_absent(self, name, kind):
        current = self.r.snapshot.secrets.get((self.ns, name))
        if current is None:  # none of this cluster's: neither it nor its links are ours to remove
            return
        if kind == "pull":  # unlinked first: never a ServiceAccount naming a missing Secret
            for account in self.team["service_accounts"]:
                self.link(account, name, False)
        desired = rs.manifest(name, self.ns, "dockerconfigjson")
        adapter = Prefetched(rs.RegistrySecretAdapter(self.r.k8s, kind="secret"), current)
        self.record("secret %s" % name, self.ensure(adapter, desired, state="absent"))

    def revoke_unused(self, robots, in_use):
        prefix = "%s+" % self.ns
        for robot in robots:
            short = robot["name"].split(prefix, 1)[-1]
            if self.s.robot_pattern.match(short) and short not in in_use:
                if not self.r.check_mode:
                    self.r.harbor.request("DELETE", "/robots/%d" % robot["id"])
                self.note("robot %s" % short, "delete", {"name": short, "id": robot["id"]}, {})

    # -- absent ------------------------------------------------------------------------
    def absent(self):
        project = self.r.snapshot.projects.get(self.ns)
        robots = list_robots(self.r.harbor, "project", project["project_id"]) if project is not None else []
        if self.team["purge"] and project is not None:
            self.purge_guard(project, robots)  # before anything is written: refused means untouched
        for kind in KINDS:
            for name in self.s.secret_names[kind]:
                self.secret_absent(name, kind)
        if project is not None:
            self.revoke_unused(robots, [])
        if not self.team["purge"]:
            return
        namespace = self.r.snapshot.namespaces.get(self.ns)
        # A namespace already Terminating is gone as far as the purge goes: a rerun changes nothing.
        if namespace is not None and not namespace["metadata"].get("deletionTimestamp"):
            desired = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.ns}}
            self.record("namespace", self.ensure(Prefetched(ManifestAdapter(self.r.k8s, kind="namespace"),
                                                            namespace), desired, state="absent"))
        if project is not None:
            self.record("project", self.ensure(ProjectAdapter(self.r.harbor, purge=True, state="absent"),
                                               dict(name=self.ns), state="absent"))

    def purge_guard(self, project, robots):
        """Refuse the purge while the shared project still holds another cluster's robots.

        The project is shared by every cluster of the team; this cluster's robots are revoked by
        the offboarding itself, those of the clusters in ``purge_clusters`` by the same run. Any
        other cluster's robot means a cluster still pulls (or pushes) with it."""
        others = other_clusters_robots(robots, self.ns, self.s.cluster, self.team.get("purge_clusters") or [])
        if not others:
            return
        held = "; ".join("%s: %s" % (cluster, ", ".join(names)) for cluster, names in sorted(others.items()))
        repos = project.get("repo_count")
        count = "" if repos is None else " (%d repositor%s)" % (repos, "y" if repos == 1 else "ies")
        what = "Harbor project %s%s" % (self.ns, count)
        if self.team.get("purge_force"):
            self.warnings.append("purge_force: deleting %s although clusters %s still hold robots in it (%s); "
                                 "their pull Secrets stop working" % (what, ", ".join(sorted(others)), held))
            return
        raise ValidationError(
            "purge refused: %s is shared and still holds robots of other clusters (%s) - they still use "
            "the team, and deleting the project would leave their Secrets with robots Harbor refuses. "
            "Nothing of this team was changed." % (what, held), service="berth",
            hint="offboard the team on %s first, or every cluster of the team in one run of "
            "playbooks/offboard_team.yml; purge_force: true deletes it anyway" % ", ".join(sorted(others)))


def other_clusters_robots(robots, project, cluster, also_offboarded=()):
    """{cluster: [robot names]} of the robots of ``project`` that belong to a cluster other than
    ``cluster`` and the clusters of ``also_offboarded`` (robot names ``(pull|push)-<cluster>``,
    with the blue/green ``.a``/``.b``). Robots named otherwise are nobody's cluster robots."""
    prefix = "%s+" % project
    found = {}
    for robot in robots:
        short = robot["name"].split(prefix, 1)[-1]
        match = CLUSTER_ROBOT.match(short)
        if not match or match.group("cluster") == cluster or match.group("cluster") in also_offboarded:
            continue
        found.setdefault(match.group("cluster"), []).append(short)
    return dict((c, sorted(names)) for c, names in found.items())


def _credentials(secret):
    """(username, password) pairs in a registry Secret (either shape), or none."""
    if not secret:
        return []
    data = secret.get("data") or {}
    key = "config.json" if secret.get("type") == "Opaque" else ".dockerconfigjson"
    try:
        config = json.loads(base64.b64decode(data.get(key) or "e30=").decode())
    except (ValueError, TypeError):
        return []
    pairs = []
    for entry in ((config or {}).get("auths") or {}).values():
        user = entry.get("username") or ""
        password = entry.get("password")
        if not password and entry.get("auth"):
            try:
                password = base64.b64decode(entry["auth"]).decode().partition(":")[2]
            except (ValueError, TypeError):
                password = None
        pairs.append((user, password))
    return pairs


class Reconcile:
    """Every team of one cluster: snapshot, then each team in a pool of ``concurrency`` workers."""

    def __init__(self, harbor, k8s, settings, check_mode=False, concurrency=8):
        self.harbor = harbor
        self.k8s = k8s
        self.settings = settings
        self.check_mode = check_mode
        self.concurrency = max(1, concurrency)
        self.snapshot = None

    def run(self, teams, exclusive=False):
        """Returns one result per team (and per marked team not listed, when exclusive)."""
        if not teams and not exclusive:
            return []  # nothing to reconcile, nothing to read
        for kind in ("Namespace", "Secret", "ServiceAccount"):
            self.k8s.resource("v1", kind)  # discovery once, before the threads
        self.harbor.pool_size(3 * self.concurrency)  # the teams' threads and the quota list's
        self.snapshot = Snapshot(self.harbor, self.k8s, self.settings, workers=self.concurrency)
        work = list(teams)
        if exclusive:
            listed = set(t["ns"] for t in teams)
            for name in self.snapshot.managed_teams():
                if name not in listed:
                    work.append(dict(name=name, ns=name, state="absent", purge=False, unlisted=True,
                                     robots={}, service_accounts=self.settings.default_service_accounts))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            results = list(pool.map(self.one, work))
        failed = self.snapshot.quota_list.exception()
        if failed is not None:  # every team stopped on it before writing: one error, not one per team
            raise failed
        return results

    def one(self, team):
        run = TeamRun(self, team)
        result = dict(name=team["name"], namespace=team["ns"], state=team["state"])
        if team.get("unlisted"):
            result["unlisted"] = True
        try:
            run.present() if team["state"] == "present" else run.absent()
        except BerthError as exc:
            result.update(status="failed", error=str(exc), changes=run.changes)
            return result
        result["changes"] = run.changes
        if run.warnings:
            result["warnings"] = run.warnings
        result["diff"] = dict(before=run.before, after=run.after)
        if not run.changes:
            result["status"] = "unchanged"
        elif team["state"] == "absent":
            result["status"] = "removed"
        elif any(c in ("namespace: create", "project: create") for c in run.changes):
            result["status"] = "created"
        else:
            result["status"] = "updated"
        return result


STATUSES = ("created", "updated", "removed", "unchanged", "failed")


def summary(results):
    counts = dict((status, 0) for status in STATUSES)
    for result in results:
        counts[result["status"]] += 1
    return counts


def summary_line(results, check_mode=False):
    counts = summary(results)
    text = "%d teams: %s" % (len(results), ", ".join("%d %s" % (counts[s], s) for s in STATUSES))
    return text + (" (check mode: nothing written)" if check_mode else "")
