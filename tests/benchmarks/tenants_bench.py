"""What reconciling N teams costs with the tenant role (`make bench-tenants`): one cluster (the lab's
east) and N teams through playbooks/tenants.yml - in bulk (tenant_bulk: one berth.platform.tenants
task for all teams) and/or per item (one task per object and team), in the same run.

Three runs, as issue 14 defines them: (a) cold create, (b) no-op rerun, (c) 1 % of the teams changed
(their quota). For each: wall time, the HTTP requests each server received (counted by a loopback
proxy in front of harbor-core and the API server, so kubernetes.core's requests count as well as
the collection's), and the peak RSS of the ansible-playbook process tree (controller and modules).
With both modes the table ends with the
loop/bulk ratio of each run. Prints numbers only; nothing here asserts a time. Needs the lab (tests/lab/up) and the development
venv; `--markdown` prints the table for docs/performance.md; BENCH_DUMP=FILE appends each run's
output (at -v, with the module results) to FILE.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

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

INVENTORY = os.path.join(ROOT, "playbooks", "inventories", "lab")


def inventory_for(workdir, teams, quota_changed=()):
    """The lab inventory with ``teams`` on east (1GiB each, 2GiB for ``quota_changed``), none on west."""
    path = os.path.join(workdir, "inventory")
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(INVENTORY, path)
    for cluster, names in (("east", teams), ("west", [])):
        vars_path = os.path.join(path, "group_vars", "cluster_%s.yml" % cluster)
        with open(vars_path) as handle:
            data = yaml.safe_load(handle)
        data["berth_teams"] = [dict(name=n, quota="2GiB" if n in quota_changed else "1GiB") for n in names]
        with open(vars_path, "w") as handle:
            yaml.safe_dump(data, handle)
    return path


def run_tenants(lab, env_overrides, inventory, bulk):
    """(wall s, changed tasks on east, peak RSS MiB of the process tree) of one tenants.yml run."""
    env = dict(os.environ)
    env.update(lab)
    env.update(env_overrides)
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
           os.path.join(ROOT, "playbooks", "tenants.yml"), "-e", "berth_policy_enabled=false",
           # The Secrets name Harbor itself, not the counting proxy.
           "-e", "tenant_registry_host=" + lab["HARBOR_HOST"], "-e", "tenant_bulk=%s" % bulk] + (["-v"] if os.environ.get("BENCH_DUMP") else [])
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.environ.get("BENCH_DUMP"):
        with open(os.environ["BENCH_DUMP"], "a") as handle:
            handle.write(output)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("tenants.yml failed:\n" + output[-5000:])
    recap = [line for line in output.split("PLAY RECAP")[-1].splitlines() if line.startswith("east")][0]
    changed = int(recap.split("changed=")[1].split()[0])
    return wall, changed, usage.ru_maxrss / 1024.0  # ru_maxrss: KiB on Linux


def automation_robot(api):
    """A system robot with the harbor_oidc role's permissions: tenants.yml works as that robot in
    production, and Harbor checks a robot's secret in about 1 ms (PBKDF2, 4,096 rounds) but a user's
    password in about 150 ms (600,000 rounds since v2.15), which would make the admin's requests
    measure Harbor's password hashing. Returns (name, secret, id)."""
    with open(os.path.join(ROOT, "roles", "harbor_oidc", "defaults", "main.yml")) as handle:
        permissions = yaml.safe_load(handle)["harbor_oidc_robot_permissions"]
    body = dict(name="bench-" + uuid.uuid4().hex[:6], level="system", duration=-1, disable=False,
                description="tenants_bench.py", permissions=permissions)
    created = api.call("POST", "/robots", json=body).json()
    return created["name"], created["secret"], created["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--teams", type=int, default=int(os.environ.get("BENCH_TEAMS", 50)))
    parser.add_argument("--modes", default=os.environ.get("BENCH_MODES", "bulk,loop"),
                        help="comma-separated: bulk, loop (default both)")
    parser.add_argument("--markdown", action="store_true")
    opts = parser.parse_args()
    if not os.path.exists(LAB_ENV):
        sys.exit("lab is not up (no %s): run `make lab-up` first" % LAB_ENV)
    lab = read_lab_env()
    api = HarborApi(lab)
    pki = os.path.join(lab["LAB_STATE"], "pki")
    tls = (os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"), os.path.join(pki, "ca.crt"))
    admin_cert = (os.path.join(pki, "kube-admin.crt"), os.path.join(pki, "kube-admin.key"))
    proxies = dict(harbor=FaultProxy(lab["HARBOR_URL"], *tls),
                   kubernetes=FaultProxy(lab["K8S_EAST_URL"], *tls, client_cert=admin_cert))
    rows, walls = [], {}
    before = machine()
    with tempfile.TemporaryDirectory(prefix="berth-bench-tenants-") as workdir:
        with open(lab["K8S_EAST_KUBECONFIG"]) as handle:
            kubeconfig = yaml.safe_load(handle)
        kubeconfig["clusters"][0]["cluster"]["server"] = proxies["kubernetes"].url
        kubeconfig_path = os.path.join(workdir, "east.kubeconfig")
        with open(kubeconfig_path, "w") as handle:
            yaml.safe_dump(kubeconfig, handle)
        robot_name, robot_secret, robot_id = automation_robot(api)
        env = {"HARBOR_URL": proxies["harbor"].url, "K8S_EAST_KUBECONFIG": kubeconfig_path,
               "BERTH_LAB_SUFFIX": "", "HARBOR_USERNAME": robot_name, "HARBOR_PASSWORD": robot_secret}
        for proxy in proxies.values():
            proxy.__enter__()
        try:
            for mode in opts.modes.split(","):
                measure(lab, api, proxies, env, workdir, mode, opts.teams, rows, walls)
        finally:
            for proxy in proxies.values():
                proxy.__exit__(None, None, None)
            api.call("DELETE", "/robots/%d" % robot_id, expect=(200, 404))
    after = machine()
    print("tenants.yml as a system robot, %d teams on one cluster (bulk: tenant_bulk=true, one task; loop: one "
          "task per object and team); %s" % (opts.teams, versions(sys.executable)))
    print("machine: %d CPUs (%s), %.1f GiB, load %.1f before / %.1f after\n" %
          (before["nproc"], before["cpu"], before["memory_gib"], before["load"][0], after["load"][0]))
    print(table(["mode", "run", "wall s", "s per team", "changed tasks", "Harbor requests", "Kubernetes requests",
                 "peak RSS MiB"], rows, opts.markdown))
    ratios = ["%s %.1fx" % (run, walls[("loop", run)] / walls[("bulk", run)])
              for run in RUNS if ("loop", run) in walls and ("bulk", run) in walls]
    if ratios:
        print("\nloop/bulk wall-time ratio: " + ", ".join(ratios))


RUNS = ("cold create", "no-op rerun", "1 % changed")


def measure(lab, api, proxies, env, workdir, mode, count, rows, walls):
    """Cold create, no-op rerun and 1 % changed for ``count`` fresh teams in ``mode`` (bulk|loop)."""
    suffix = "-" + uuid.uuid4().hex[:6]
    names = ["Bench %03d%s" % (i, suffix) for i in range(count)]
    slugs = ["bench-%03d%s" % (i, suffix) for i in range(count)]
    groups = []
    try:
        # Harbor (db_auth) refuses an unknown OIDC group as member: made beforehand, as in the tests.
        for slug in slugs:
            groups.append(api.call("POST", "/usergroups", json={"group_name": slug, "group_type": 3})
                          .headers["Location"].rsplit("/", 1)[1])
        changed_teams = names[:max(1, math.ceil(count / 100))]
        for label, quota_changed in ((RUNS[0], ()), (RUNS[1], ()), (RUNS[2], changed_teams)):
            # Written just before its run: the three runs share the inventory's path.
            inventory = inventory_for(workdir, names, quota_changed)
            counts = dict((name, len(p.seen)) for name, p in proxies.items())
            wall, changed, rss = run_tenants(lab, env, inventory, mode == "bulk")
            requests = dict((name, len(p.seen) - counts[name]) for name, p in proxies.items())
            walls[(mode, label)] = wall
            shown = label if label != RUNS[2] else "%d changed (1 %%)" % len(changed_teams)
            rows.append([mode, shown, "%.1f" % wall, "%.3f" % (wall / count), str(changed),
                         str(requests["harbor"]), str(requests["kubernetes"]), "%.0f" % rss])
            print("%s %s: %.1f s, changed=%d, requests %s, peak RSS %.0f MiB" % (mode, label, wall, changed,
                                                                                 requests, rss), file=sys.stderr)
    finally:
        for slug in slugs:
            api.delete_project(slug)
        for group_id in groups:
            api.call("DELETE", "/usergroups/%s" % group_id, expect=(200, 404))
        subprocess.run([sys.executable, "-c", "import sys; from kubernetes import client, config; "
                        "api = client.CoreV1Api(config.new_client_from_config(sys.argv[1])); "
                        "[api.delete_namespace(n) for n in sys.argv[2:]]", lab["K8S_EAST_KUBECONFIG"]] + slugs,
                       capture_output=True, check=False)


if __name__ == "__main__":
    main()
