"""berth.platform against the peer a platform team would pick instead (`make bench-peer`):
playbooks/tenants.yml (the tenants module, Kubernetes side included) and OpenTofu with
terraform-provider-harbor, the same workload, the same lab, the same system robot, in one run.

Per team, on both sides: a private Harbor project with a 1 GiB quota, the team's OIDC group as
developer, a pull robot and a push robot (berth also makes the namespace, three Secrets and the
ServiceAccount link). Both work as one system robot with the harbor_oidc role's permissions, so
neither pays Harbor's admin password hash (600,000 PBKDF2 rounds a request).

For each N and repeat, each tool runs four phases on fresh teams: cold apply, no-op apply, plan
(`tofu plan` / tenants.yml --check) and 1 % changed (the quota of ceil(N/100) teams to 2 GiB). For
each: wall time, CPU time of the tool's process tree, Harbor requests (both tools through one
counting proxy in front of harbor-core), Kubernetes requests (berth only, as the tenants module
counts them: a Python proxy in front of the API server alone would add more to berth's wall time
than the requests themselves take), the tenants task's own wall time, and the teams Harbor read
back wrong afterwards (project, privacy, quota, group member and role, exactly the two robots
with their permissions).
The table gives medians over the repeats and berth/OpenTofu ratios. Prints numbers; asserts nothing.

Needs the lab (tests/lab/up), the development venv, and tofu plus the provider built by
tests/lab/build/build (`make bench-peer` builds them).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from collection_path import collections_root  # noqa: E402
from endpoints import LAB_ENV, read_lab_env  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402
from harbor_api import HarborApi  # noqa: E402

from bench import machine, table, versions  # noqa: E402
from tenants_bench import automation_robot, inventory_for  # noqa: E402

PHASES = ("cold apply", "no-op apply", "plan / --check", "1 % changed")
GIB = 1024 ** 3
DEVELOPER = 2  # Harbor's role id
PULL = [("repository", "pull")]
PUSH = [("repository", "pull"), ("repository", "push")]
# What the fixture robot may do besides the measured one: make and remove the OIDC groups (Harbor
# in db_auth refuses an unknown group as member), read everything back, remove the projects.
FIXTURE_PERMISSIONS = [
    dict(kind="system", namespace="/", access=[dict(resource=r, action=a) for r, a in (
        ("user-group", "create"), ("user-group", "list"), ("user-group", "read"), ("user-group", "delete"),
        ("project", "list"), ("quota", "list"), ("robot", "list"))]),
    dict(kind="project", namespace="*", access=[dict(resource=r, action=a) for r, a in (
        ("project", "read"), ("project", "delete"), ("member", "list"), ("robot", "list"), ("robot", "delete"),
        ("repository", "list"), ("repository", "delete"))])]


def build_versions():
    values = {}
    with open(os.path.join(ROOT, "tests", "lab", "versions.env")) as handle:
        for line in handle:
            if "=" in line and not line.startswith("#") and not line.startswith(" "):
                key, value = line.strip().split("=", 1)
                values[key] = value.strip('"')
    return values


def peer_binaries():
    """(tofu, provider directory): built into the lab's cache, the provider linked under the name
    OpenTofu's dev_overrides look for."""
    v = build_versions()
    cache = os.environ.get("BERTH_LAB_CACHE", os.path.expanduser("~/.cache/berth-lab"))
    tofu = os.path.join(cache, "bin", "tofu-" + v["OPENTOFU_VERSION"])
    provider = os.path.join(cache, "bin", "terraform-provider-harbor-" + v["TF_PROVIDER_HARBOR_VERSION"])
    if not (os.path.exists(tofu) and os.path.exists(provider)):
        subprocess.run([os.path.join(ROOT, "tests", "lab", "build", "build"), "tofu", "terraform-provider-harbor"],
                       check=True)
    directory = os.path.join(cache, "src", "terraform-provider-harbor-dev")
    os.makedirs(directory, exist_ok=True)
    link = os.path.join(directory, "terraform-provider-harbor")
    if os.path.realpath(link) != os.path.realpath(provider):
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(provider, link)
    return tofu, directory, v


# -- OpenTofu --------------------------------------------------------------------------
def tf_config(url, username, password, quotas):
    """main.tf for ``quotas`` ({project: GiB}): the same objects tenants makes in Harbor."""
    teams = "\n".join('    "%s" = %d' % (name, gib) for name, gib in sorted(quotas.items()))

    def robot(kind, access):
        grants = "".join('\n    access {\n      resource = "%s"\n      action   = "%s"\n    }' % a for a in access)
        return ('resource "harbor_robot_account" "%s" {\n  for_each    = local.teams\n  name        = "%s-east"\n'
                '  level       = "project"\n  description = "%s robot of ${each.key} for cluster east"\n'
                '  permissions {\n    kind      = "project"\n    namespace = harbor_project.team[each.key].name%s\n'
                '  }\n}\n' % (kind, kind, kind, grants))
    return ('terraform {\n  required_providers {\n    harbor = { source = "goharbor/harbor" }\n  }\n}\n'
            'provider "harbor" {\n  url      = %s\n  username = %s\n  password = %s\n}\n'
            'locals {\n  teams = {\n%s\n  }\n}\n'
            'resource "harbor_project" "team" {\n  for_each               = local.teams\n  name                   = each.key\n'
            '  public                 = false\n  storage_quota          = each.value\n  vulnerability_scanning = false\n}\n'
            'resource "harbor_project_member_group" "team" {\n  for_each   = local.teams\n'
            '  project_id = harbor_project.team[each.key].id\n  group_name = each.key\n  type       = "oidc"\n'
            '  role       = "developer"\n}\n' % (json.dumps(url), json.dumps(username), json.dumps(password), teams)
            + robot("pull", PULL) + robot("push", PUSH))


class Tofu:
    """One OpenTofu working directory for one set of teams."""

    def __init__(self, tofu, provider_dir, workdir, lab, url, robot, parallelism):
        self.tofu, self.dir, self.url, self.robot, self.parallelism = tofu, workdir, url, robot, parallelism
        os.makedirs(workdir, exist_ok=True)
        rc = os.path.join(workdir, "cli.tfrc")
        with open(rc, "w") as handle:
            handle.write('provider_installation {\n  dev_overrides {\n    "goharbor/harbor" = "%s"\n  }\n'
                         '  direct {}\n}\n' % provider_dir)
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, SSL_CERT_FILE=lab["LAB_CA"], TF_IN_AUTOMATION="1",
                        CHECKPOINT_DISABLE="1")

    def run(self, phase, quotas):
        """(wall s, CPU s, changed) of one phase."""
        with open(os.path.join(self.dir, "main.tf"), "w") as handle:
            handle.write(tf_config(self.url, self.robot[0], self.robot[1], quotas))
        if phase == PHASES[2]:
            cmd = [self.tofu, "plan", "-no-color", "-input=false", "-detailed-exitcode",
                   "-parallelism=%d" % self.parallelism]
        else:
            cmd = [self.tofu, "apply", "-no-color", "-input=false", "-auto-approve",
                   "-parallelism=%d" % self.parallelism]
        wall, cpu, code, output = timed(cmd, self.env, self.dir)
        if code not in (0, 2) or (code == 2 and phase != PHASES[2]):
            sys.exit("tofu %s failed (%d):\n%s" % (phase, code, output[-4000:]))
        if phase == PHASES[2]:
            return wall, cpu, code == 2
        added = output.split("Apply complete! Resources: ", 1)[-1].split(".", 1)[0]
        return wall, cpu, not added.startswith("0 added, 0 changed, 0 destroyed")


# -- berth ----------------------------------------------------------------------------
class Berth:
    """tenants.yml on the lab's east cluster, as users run it, through the counting proxies."""

    def __init__(self, workdir, lab, env):
        self.dir, self.lab, self.env = workdir, lab, env
        self.timings = os.path.join(workdir, "tasks.jsonl")

    def run(self, phase, names, quota_changed):
        inventory = inventory_for(self.dir, names, quota_changed)
        env = dict(os.environ)
        env.update(self.lab)
        env.update(self.env)
        env.update(ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="bench_timer", BERTH_BENCH_OUT=self.timings)
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               os.path.join(ROOT, "playbooks", "tenants.yml"), "-e", "tenant_clusters=east",
               "-e", "berth_policy_enabled=false", "-e", "tenant_registry_host=" + self.lab["HARBOR_HOST"]]
        if phase == PHASES[2]:
            cmd.append("--check")
        if os.path.exists(self.timings):
            os.remove(self.timings)
        wall, cpu, code, output = timed(cmd, env, self.dir)
        if code != 0:
            sys.exit("tenants.yml %s failed:\n%s" % (phase, output[-4000:]))
        recap = [line for line in output.split("PLAY RECAP")[-1].splitlines() if line.startswith("east")][0]
        with open(self.timings) as handle:
            tasks = [json.loads(line) for line in handle]
        bulk = [t for t in tasks if t["task"].endswith("All teams of this cluster")]
        module = sum(t["seconds"] for t in bulk)
        k8s = sum((t.get("requests") or {}).get("kubernetes", 0) for t in bulk)
        return wall, cpu, int(recap.split("changed=")[1].split()[0]) > 0, module, k8s


def timed(cmd, env, cwd):
    """(wall s, CPU s of the process tree, exit code, output) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    return (time.perf_counter() - started, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status),
            output)


def ansible_startup(lab):
    """Median wall time of ansible-playbook running one debug task on the lab inventory: the floor
    every tenants.yml run pays before its first module."""
    with tempfile.TemporaryDirectory(prefix="berth-bench-startup-") as workdir:
        play = os.path.join(workdir, "play.yml")
        with open(play, "w") as handle:
            yaml.safe_dump([dict(hosts="east", gather_facts=False, tasks=[{"ansible.builtin.debug": {"msg": "x"}}])],
                           handle)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        inventory = os.path.join(ROOT, "playbooks", "inventories", "lab")
        walls = [timed([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, play],
                       env, workdir)[0] for dummy in range(3)]
    return statistics.median(walls)


# -- reading Harbor back ---------------------------------------------------------------
def read_back(api, quotas):
    """The teams (of ``quotas``: {project: bytes}) that Harbor holds wrong: a list of reasons."""
    projects = dict((p["name"], p) for p in all_pages(api, "/projects") if p["name"] in quotas)
    hard = dict(((q.get("ref") or {}).get("name"), (q.get("hard") or {}).get("storage"))
                for q in all_pages(api, "/quotas", reference="project"))

    def one(name):
        project = projects.get(name)
        if project is None:
            return "%s: no project" % name
        if (project.get("metadata") or {}).get("public") != "false":
            return "%s: public" % name
        if hard.get(name) != quotas[name]:
            return "%s: quota %s, not %s" % (name, hard.get(name), quotas[name])
        members = all_pages(api, "/projects/%d/members" % project["project_id"])
        if not any(m["entity_type"] == "g" and m["entity_name"] == name and m["role_id"] == DEVELOPER
                   for m in members):
            return "%s: group not a developer" % name
        robots = all_pages(api, "/robots", q="Level=project,ProjectID=%d" % project["project_id"])
        found = dict((r["name"].split("+", 1)[-1], sorted((a["resource"], a["action"]) for p in r["permissions"]
                                                          for a in p["access"])) for r in robots)
        if found != {"pull-east": PULL, "push-east": PUSH}:
            return "%s: robots %s" % (name, found)
        return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        return [reason for reason in pool.map(one, sorted(quotas)) if reason]


def harbor_alone(lab, url, robot, names, workers=8):
    """Seconds Harbor takes to answer a no-op's per-team reads (each project's members and robots,
    2 a team) with the measured robot at the tenants module's concurrency, from bare keep-alive
    clients: the floor under any tool's no-op at this N."""
    ids = [p["project_id"] for p in all_pages(HarborApi(lab), "/projects") if p["name"] in set(names)]
    local = threading.local()

    def get(path, **params):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = tuple(robot[:2])
        local.session.get(url + "/api/v2.0" + path, params=dict(params, page=1, page_size=100),
                          verify=lab["HARBOR_CA_PATH"], timeout=30).raise_for_status()

    def reads(project_id):
        get("/projects/%d/members" % project_id)
        get("/robots", q="Level=project,ProjectID=%d" % project_id)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(reads, ids))
    return time.perf_counter() - started


def all_pages(api, path, **params):
    items, page = [], 1
    while True:
        batch = api.call("GET", path, params=dict(params, page=page, page_size=100)).json() or []
        items.extend(batch)
        if len(batch) < 100:
            return items
        page += 1


def remove(api, k8s, projects, namespaces=()):
    """Projects (Harbor removes their robots and members with them) and namespaces, unmeasured."""
    def one(name):
        api.call("DELETE", "/projects/%s" % name, expect=(200, 404), headers={"X-Is-Resource-Name": "true"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, projects))
    for name in namespaces:
        try:
            k8s.delete_namespace(name)
        except Exception:  # noqa: BLE001 - already gone
            pass
    # The next repeat uses the same names: a namespace still Terminating would fail its teams.
    deadline = time.time() + 300
    while namespaces and time.time() < deadline:
        left = set(namespaces) & set(n.metadata.name for n in k8s.list_namespace().items)
        if not left:
            return
        time.sleep(1)


# -- the run ---------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--teams", default=os.environ.get("BENCH_PEER_TEAMS", "50,200,500"),
                        help="comma-separated team counts (default 50,200,500)")
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_PEER_REPEATS", 3)))
    parser.add_argument("--parallelism", type=int, default=10, help="tofu -parallelism (default 10, tofu's own)")
    parser.add_argument("--markdown", action="store_true")
    opts = parser.parse_args()
    if not os.path.exists(LAB_ENV):
        sys.exit("lab is not up (no %s): run `make lab-up` first" % LAB_ENV)
    tofu, provider_dir, built = peer_binaries()
    lab = read_lab_env()
    admin = HarborApi(lab)
    pki = os.path.join(lab["LAB_STATE"], "pki")
    tls = (os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"), os.path.join(pki, "ca.crt"))
    proxies = dict(harbor=FaultProxy(lab["HARBOR_URL"], *tls))
    from kubernetes import client as kclient, config as kconfig
    k8s = kclient.CoreV1Api(kconfig.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))
    counts = [int(n) for n in opts.teams.split(",")]
    results = {}  # (n, tool, phase) -> [dict]
    before = machine()
    robot = automation_robot(admin)
    fixture_robot = dict(name="bench-fixture-" + uuid.uuid4().hex[:6], level="system", duration=-1, disable=False,
                         permissions=FIXTURE_PERMISSIONS, description="peer_bench.py fixtures")
    fixture = admin.call("POST", "/robots", json=fixture_robot).json()
    api = HarborApi(lab, fixture["name"], fixture["secret"])
    run_id = uuid.uuid4().hex[:4]
    groups = {}
    try:
        for proxy in proxies.values():
            proxy.__enter__()
        for tool in ("berth", "tofu"):  # the teams' OIDC groups, made once for the largest N
            for i in range(max(counts)):
                name = "peer-%s-%s-%03d" % (run_id, tool, i)
                created = api.call("POST", "/usergroups", json={"group_name": name, "group_type": 3})
                groups[name] = created.headers["Location"].rsplit("/", 1)[1]
        startup = ansible_startup(lab)
        with tempfile.TemporaryDirectory(prefix="berth-bench-peer-") as workdir:
            berth_env = {"HARBOR_URL": proxies["harbor"].url, "BERTH_LAB_SUFFIX": "", "HARBOR_USERNAME": robot[0], "HARBOR_PASSWORD": robot[1]}
            for n in counts:
                for repeat in range(opts.repeats):
                    # Alternate who goes first, so neither always meets a Harbor warmed (or loaded) by the other.
                    order = ("berth", "tofu") if repeat % 2 == 0 else ("tofu", "berth")
                    for tool in order:
                        tool_dir = os.path.join(workdir, "%s-%d-%d" % (tool, n, repeat))
                        os.makedirs(tool_dir)
                        measure(tool, n, tool_dir, lab, api, k8s, proxies, robot, berth_env, tofu, provider_dir,
                                opts.parallelism, run_id, results)
    finally:
        for proxy in proxies.values():
            proxy.__exit__(None, None, None)
        for group_id in groups.values():
            api.call("DELETE", "/usergroups/%s" % group_id, expect=(200, 404))
        admin.call("DELETE", "/robots/%d" % robot[2], expect=(200, 404))
        admin.call("DELETE", "/robots/%d" % fixture["id"], expect=(200, 404))
    after = machine()
    report(results, counts, opts, before, after, startup, built)


def measure(tool, n, workdir, lab, api, k8s, proxies, robot, berth_env, tofu, provider_dir, parallelism, run_id,
            results):
    names = ["peer-%s-%s-%03d" % (run_id, tool, i) for i in range(n)]
    changed = names[:max(1, int(math.ceil(n / 100.0)))]
    runner = (Berth(workdir, lab, berth_env) if tool == "berth" else
              Tofu(tofu, provider_dir, workdir, lab, proxies["harbor"].url, robot, parallelism))
    try:
        for phase in PHASES:
            bumped = changed if phase == PHASES[3] else []
            seen = dict((k, len(p.seen)) for k, p in proxies.items())
            if tool == "berth":
                wall, cpu, did_change, module, k8s_requests = runner.run(phase, names, bumped)
            else:
                wall, cpu, did_change = runner.run(phase, dict((name, 2 if name in bumped else 1) for name in names))
                module, k8s_requests = None, 0
            requests = dict((k, len(p.seen) - seen[k]) for k, p in proxies.items())
            requests["kubernetes"] = k8s_requests
            wrong = read_back(api, dict((name, (2 if name in bumped else 1) * GIB) for name in names))
            expect_change = phase in (PHASES[0], PHASES[3])
            if did_change != expect_change:
                wrong.append("reported %s" % ("a change" if did_change else "no change"))
            results.setdefault((n, tool, phase), []).append(dict(
                wall=wall, cpu=cpu, harbor=requests["harbor"], kubernetes=requests["kubernetes"], module=module,
                wrong=wrong))
            if tool == "berth" and phase == PHASES[1]:
                results.setdefault((n, "harbor", "alone"), []).append(dict(
                    direct=harbor_alone(lab, lab["HARBOR_URL"], robot, names),
                    proxy=harbor_alone(lab, proxies["harbor"].url, robot, names)))
            print("N=%d %s %s: %.1f s, CPU %.1f s, %d Harbor / %d Kubernetes requests, %d wrong%s"
                  % (n, tool, phase, wall, cpu, requests["harbor"], requests["kubernetes"], len(wrong),
                     (" (%s)" % "; ".join(wrong[:3])) if wrong else ""), file=sys.stderr)
    finally:
        remove(api, k8s, names, names if tool == "berth" else ())


def report(results, counts, opts, before, after, startup, built):
    print("berth.platform tenants.yml vs OpenTofu %s + terraform-provider-harbor %s (-parallelism=%d), one system "
          "robot, medians of %d; %s" % (built["OPENTOFU_VERSION"], built["TF_PROVIDER_HARBOR_VERSION"],
                                        opts.parallelism, opts.repeats, versions(sys.executable)))
    print("machine: %d CPUs (%s), %.1f GiB, load %.1f before / %.1f after; ansible-playbook start-up (one debug "
          "task): %.2f s\n" % (before["nproc"], before["cpu"], before["memory_gib"], before["load"][0],
                               after["load"][0], startup))
    rows = []
    for n in counts:
        for phase in PHASES:
            b, t = results.get((n, "berth", phase)), results.get((n, "tofu", phase))
            if not b or not t:
                continue

            def med(runs, key):
                return statistics.median(r[key] for r in runs)
            rows.append([str(n), phase, "%.1f" % med(b, "wall"), "%.1f" % med(t, "wall"),
                         "%.2f" % (med(b, "wall") / med(t, "wall")),
                         "%.1f" % med(b, "module"), "%.1f / %.1f" % (med(b, "cpu"), med(t, "cpu")),
                         "%d / %d" % (med(b, "harbor"), med(t, "harbor")),
                         "%.1f / %.1f" % (med(b, "harbor") / n, med(t, "harbor") / n),
                         "%d" % med(b, "kubernetes"),
                         "%d / %d" % (max(len(r["wrong"]) for r in b), max(len(r["wrong"]) for r in t))])
    print(table(["N", "phase", "berth s", "tofu s", "berth/tofu", "berth module s", "CPU s berth / tofu",
                 "Harbor requests berth / tofu", "a team", "berth K8s requests", "wrong teams berth / tofu"],
                rows, opts.markdown))
    for n in counts:
        alone = results.get((n, "harbor", "alone"))
        if alone:
            print("N=%d: Harbor alone answers the no-op's %d per-team reads (8 at a time, the same robot) in %.1f s "
                  "direct, %.1f s through the counting proxy (medians)" % (
                      n, 2 * n, statistics.median(a["direct"] for a in alone),
                      statistics.median(a["proxy"] for a in alone)))
    wrongs = sorted(set("%s N=%d %s: %s" % (tool, n, phase, w) for (n, tool, phase), runs in results.items()
                        for r in runs for w in r.get("wrong", [])[:3]))
    if wrongs:
        print("\nwrong answers (first 3 per run):\n" + "\n".join(wrongs))


if __name__ == "__main__":
    main()
