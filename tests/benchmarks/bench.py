"""Per-task cost of berth.platform's Keycloak modules next to community.general's (`make bench`).

One ansible-playbook run against the lab's Keycloak runs the same no-op loop of N
tasks (the group or client exists and nothing changes) with
berth.platform.keycloak_group and community.general.keycloak_group, and with the
two keycloak_client modules, in R rounds of alternating order; it reports the
median wall time per task and the ratio berth/community. A loop of
ansible.builtin.ping gives the floor every module task pays (AnsiballZ, a fresh
interpreter, ansible.module_utils.basic). Then, in fresh interpreters (median of
K): import times of the module files and of the libraries behind them, and one
run of each module split into phases (tests/benchmarks/phases.py).

Prints numbers only; nothing here asserts a time. Needs the lab (tests/lab/up)
and the development venv (make venv); `--markdown` prints the tables for
docs/performance.md.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from collection_path import collections_root  # noqa: E402
from endpoints import LAB_ENV, read_lab_env as read_env_file  # noqa: E402

# Where ansible_collections/berth/platform is found: this checkout, or --collections
# (e.g. a copy of another revision, to compare before and after a change).
COLLECTIONS_ROOT = [None]


def berth_root():
    return COLLECTIONS_ROOT[0] or collections_root()


REALM = "berth-bench"
GROUP = "bench-team"
CLIENT = dict(client_id="bench-app", name="Bench app", enabled=True,
              redirect_uris=["https://bench.example.com/callback"], web_origins=["https://bench.example.com"])
BERTH_ARGS = {
    "keycloak_group": dict(realm=REALM, name=GROUP),
    "keycloak_client": dict(realm=REALM, confidential=True, standard_flow=True, direct_access_grants=False,
                            **CLIENT),
}
COMMUNITY_ARGS = {
    "keycloak_group": dict(realm=REALM, name=GROUP, state="present"),
    "keycloak_client": dict(realm=REALM, public_client=False, standard_flow_enabled=True,
                            direct_access_grants_enabled=False, protocol="openid-connect", **CLIENT),
}
MODULES = ("keycloak_group", "keycloak_client")
COLLECTIONS = (("berth", "berth.platform", BERTH_ARGS), ("community", "community.general", COMMUNITY_ARGS))


def read_lab_env(path=LAB_ENV):
    if not os.path.exists(path):
        sys.exit("lab is not up (no %s): run `make lab-up` first" % path)
    values = read_env_file(path)
    missing = [k for k in ("KEYCLOAK_URL", "KEYCLOAK_USERNAME", "KEYCLOAK_PASSWORD", "KEYCLOAK_CA_PATH")
               if not values.get(k)]
    if missing:
        sys.exit("Keycloak is not up in the lab (missing %s): tests/lab/up --keep keycloak" % ", ".join(missing))
    return values


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return dict(nproc=os.cpu_count(), cpu=model, memory_gib=round(mem_kib / 1024 / 1024, 1),
                python=platform.python_version(), load=os.getloadavg())


def versions(python):
    code = ("import importlib.metadata as m; print(' '.join('%s %s' % (p, m.version(p)) for p in "
            "('ansible-core', 'ansible', 'python-keycloak', 'requests')))")
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


# -- the playbook run ------------------------------------------------------------
def playbook(tasks, rounds):
    env = "{{ lookup('env', '%s') }}"
    loop = "{{ range(%d) | list }}" % tasks
    play_tasks = [
        dict(name="setup realm", **{"berth.platform.keycloak_realm": dict(realm=REALM, enabled=True)}),
        dict(name="setup group", **{"berth.platform.keycloak_group": BERTH_ARGS["keycloak_group"]}),
        dict(name="setup client", **{"berth.platform.keycloak_client": BERTH_ARGS["keycloak_client"]}),
    ]
    for module in MODULES:  # both sides once, so the measured loops change nothing
        for short, fqcn, args in COLLECTIONS:
            play_tasks.append(dict(name="warmup %s %s" % (module, short),
                                   **{"%s.%s" % (fqcn, module): args[module]}))
    for r in range(rounds):
        order = COLLECTIONS if r % 2 == 0 else tuple(reversed(COLLECTIONS))
        play_tasks.append(dict(name="r%d floor ping" % r, loop=loop, **{"ansible.builtin.ping": {}}))
        for module in MODULES:
            for short, fqcn, args in order:
                play_tasks.append(dict(name="r%d %s %s" % (r, module, short), loop=loop,
                                       **{"%s.%s" % (fqcn, module): args[module]}))
    return [dict(
        name="berth.platform vs community.general: no-op Keycloak tasks",
        hosts="localhost", gather_facts=False,
        # community.general's Keycloak modules have no CA option: open_url's default
        # context reads SSL_CERT_FILE. berth's modules get ca_path from KEYCLOAK_CA_PATH.
        environment=dict(SSL_CERT_FILE=env % "KEYCLOAK_CA_PATH"),
        module_defaults={"group/community.general.keycloak": dict(
            auth_keycloak_url=env % "KEYCLOAK_URL", auth_realm="master",
            auth_username=env % "KEYCLOAK_USERNAME", auth_password=env % "KEYCLOAK_PASSWORD",
            validate_certs=True)},
        tasks=play_tasks)]


def run_playbook(lab, python, tasks, rounds, workdir):
    path = os.path.join(workdir, "bench.yml")
    with open(path, "w") as f:
        yaml.safe_dump(playbook(tasks, rounds), f, sort_keys=False)
    out = os.path.join(workdir, "timings.jsonl")
    env = dict(os.environ)
    env.update(lab)
    env.update(ANSIBLE_COLLECTIONS_PATH=berth_root(), ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="bench_timer", BERTH_BENCH_OUT=out, ANSIBLE_PYTHON_INTERPRETER=python,
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_DISPLAY_OK_HOSTS="0", ANSIBLE_DISPLAY_SKIPPED_HOSTS="0")
    playbook_bin = os.path.join(os.path.dirname(python), "ansible-playbook")
    started = time.perf_counter()
    proc = subprocess.run([playbook_bin, "-i", "localhost,", "-c", "local", path], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    records = []
    if os.path.exists(out):
        with open(out) as f:
            records = [json.loads(line) for line in f]
    if proc.returncode != 0 or any(r["failed"] for r in records):
        failed = [r for r in records if r["failed"]]
        sys.exit("benchmark playbook failed (rc=%d): %s\n%s\n%s" % (
            proc.returncode, json.dumps(failed[:1]), proc.stdout[-3000:], proc.stderr[-3000:]))
    return records, wall


def summarize(records):
    per_task, changed = {}, {}
    for r in records:
        name = r["task"]
        if not name.startswith("r"):
            continue
        _round, rest = name.split(" ", 1)
        per_task.setdefault(rest, []).append(r["seconds"] / r["items"])
        changed[rest] = changed.get(rest, 0) + r["changed"]
    return {k: statistics.median(v) for k, v in per_task.items()}, per_task, changed


# -- imports and phases in fresh interpreters -----------------------------------------
IMPORT_CODE = """
import importlib, sys, time
sys.path.insert(0, %r)
for name in %r:
    importlib.import_module(name)
%s
wall, cpu = time.perf_counter(), time.process_time()
%s
print(time.perf_counter() - wall, time.process_time() - cpu)
"""
BLOCK_HTTPX_CLI = "sys.modules['httpx._main'] = None  # as berth's keycloak/client.py does"


def import_time(python, name, preload=(), repeat=7, setup="", statement=None):
    """Median (wall, CPU) seconds of importing ``name`` (or running ``statement``) in fresh interpreters."""
    code = IMPORT_CODE % (berth_root(), list(preload), setup,
                          statement or "importlib.import_module(%r)" % name)
    samples = [[float(x) for x in subprocess.run([python, "-c", code], capture_output=True, text=True,
                                                 check=True).stdout.split()] for dummy in range(repeat)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def import_rows(python, repeat):
    basic = "ansible.module_utils.basic"
    after = [basic, "requests"]
    rows = []
    for module in MODULES:
        for short, fqcn, _args in COLLECTIONS:
            ns, coll = fqcn.split(".")
            rows.append(("%s.%s (module file, all it imports)" % (fqcn, module),
                         import_time(python, "ansible_collections.%s.%s.plugins.modules.%s" % (ns, coll, module),
                                     repeat=repeat)))
    rows += [
        ("ansible.module_utils.basic (both pay it)", import_time(python, basic, repeat=repeat)),
        ("ansible.module_utils.urls, after basic (community's HTTP)",
         import_time(python, "ansible.module_utils.urls", [basic], repeat)),
        ("requests, after basic (berth's HTTP)", import_time(python, "requests", [basic], repeat)),
        ("berth module_utils/keycloak/client.py, after basic+requests (python-keycloak as berth loads it)",
         import_time(python, "ansible_collections.berth.platform.plugins.module_utils.keycloak.client", after,
                     repeat)),
        ("python-keycloak, plain `import keycloak`, after basic+requests",
         import_time(python, "keycloak", after, repeat)),
        ("  of which httpx with its CLI (click, rich, pygments when installed)",
         import_time(python, "httpx", after, repeat)),
        ("  of which httpx without its CLI (as berth loads it)",
         import_time(python, "httpx", after, repeat, setup=BLOCK_HTTPX_CLI)),
        ("  of which jwcrypto.jwt + cryptography (token decoding, keycloak.keycloak_openid)",
         import_time(python, "jwcrypto.jwt", after, repeat)),
        ("  of which aiofiles (async file I/O, keycloak.keycloak_openid)",
         import_time(python, "aiofiles", after, repeat)),
        ("  of which keycloak._version's importlib.metadata lookup",
         import_time(python, None, after + ["importlib.metadata"], repeat,
                     statement="importlib.metadata.version('python-keycloak')")),
    ]
    return rows


def phase_runs(python, lab, repeat):
    conn_berth = dict(auth_keycloak_url=lab["KEYCLOAK_URL"], auth_username=lab["KEYCLOAK_USERNAME"],
                      auth_password=lab["KEYCLOAK_PASSWORD"], ca_path=lab["KEYCLOAK_CA_PATH"])
    conn_community = dict(auth_keycloak_url=lab["KEYCLOAK_URL"], auth_realm="master",
                          auth_username=lab["KEYCLOAK_USERNAME"], auth_password=lab["KEYCLOAK_PASSWORD"],
                          validate_certs=True)
    env = dict(os.environ, SSL_CERT_FILE=lab["KEYCLOAK_CA_PATH"], PYTHONPATH=berth_root())
    rows = []
    for module in MODULES:
        for short, fqcn, args in COLLECTIONS:
            margs = dict(args[module], **(conn_berth if short == "berth" else conn_community))
            samples = []
            for dummy in range(repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                proc = subprocess.run([python, os.path.join(HERE, "phases.py"), "%s.%s" % (fqcn, module),
                                       json.dumps(margs)], env=env, capture_output=True, text=True, check=False)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if proc.returncode != 0 or not proc.stdout.strip():
                    sys.exit("phases.py %s.%s failed: %s" % (fqcn, module, proc.stderr[-2000:]))
                data = json.loads(proc.stdout)
                if data["failed"]:
                    sys.exit("%s.%s failed: %s" % (fqcn, module, data["msg"]))
                data["process_s"] = wall
                data["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                samples.append(data)
            med = dict((k, statistics.median(s[k] for s in samples))
                       for k in ("process_s", "cpu_s", "basic_s", "import_s", "run_s", "ca_loads", "ca_s", "handshakes",
                                 "handshake_s", "requests", "wait_s", "other_s"))
            med["changed"] = any(s["changed"] for s in samples)
            rows.append(("%s.%s" % (fqcn, module), med))
    return rows


# -- output -------------------------------------------------------------------------
def phase_table(phases, markdown):
    rows = [[name, "%.3f" % p["process_s"], "%.3f" % p["cpu_s"], "%.3f" % p["basic_s"], "%.3f" % p["import_s"], "%.3f" % p["run_s"],
             "%d / %.3f" % (p["ca_loads"], p["ca_s"]), "%d / %.3f" % (p["handshakes"], p["handshake_s"]),
             "%d / %.3f" % (p["requests"], p["wait_s"]), "%.3f" % p["other_s"]] for name, p in phases]
    return table(["one module run (median)", "process wall s", "process CPU s", "basic import s", "module import s", "main() s",
                  "CA loads / s", "TLS handshakes / s", "HTTP answers / s waited", "rest of main() s"],
                 rows, markdown)


def table(headers, rows, markdown):
    cells = [headers] + [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join(" --- " for dummy in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--tasks", type=int, default=int(os.environ.get("BENCH_TASKS", 25)),
                        help="tasks in each no-op loop (default 25)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)),
                        help="rounds of the four loops, alternating which collection goes first (default 3)")
    parser.add_argument("--repeat", type=int, default=7, help="fresh interpreters per import/phase figure")
    parser.add_argument("--markdown", action="store_true", help="markdown tables (docs/performance.md)")
    parser.add_argument("--collections", help="directory holding ansible_collections/berth/platform "
                        "(default: this checkout)")
    opts = parser.parse_args()
    COLLECTIONS_ROOT[0] = opts.collections
    python = sys.executable
    lab = read_lab_env()
    before = machine()

    with tempfile.TemporaryDirectory(prefix="berth-bench-") as workdir:
        records, wall = run_playbook(lab, python, opts.tasks, opts.rounds, workdir)
    medians, samples, changed = summarize(records)
    imports = import_rows(python, opts.repeat)
    phases = phase_runs(python, lab, opts.repeat)
    after = machine()

    md = opts.markdown
    print("%s no-op tasks per loop, %d rounds (median per task over rounds), one ansible-playbook run "
          "of %.0f s; Keycloak %s\n" % (opts.tasks, opts.rounds, wall, lab.get("KEYCLOAK_VERSION", "?")))
    rows = []
    for module in MODULES:
        b, c = medians["%s berth" % module], medians["%s community" % module]
        best = min(samples["%s berth" % module]) / min(samples["%s community" % module])
        rows.append([module, "%.3f" % b, "%.3f" % c, "%.2f" % (b / c), "%.2f" % best,
                     "%s / %s" % (" ".join("%.3f" % s for s in samples["%s berth" % module]),
                                  " ".join("%.3f" % s for s in samples["%s community" % module])),
                     "%d / %d" % (changed["%s berth" % module], changed["%s community" % module])])
    rows.append(["ansible.builtin.ping (floor)", "%.3f" % medians["floor ping"], "", "", "",
                 " ".join("%.3f" % s for s in samples["floor ping"]), ""])
    print(table(["module", "berth s/task", "community s/task", "ratio berth/community",
                 "ratio of best rounds", "per round s/task (berth / community)", "changed (berth / community)"],
                rows, md))
    print()
    print(table(["import in a fresh interpreter (median of %d)" % opts.repeat, "wall s", "CPU s"],
                [[name, "%.3f" % w, "%.3f" % c] for name, (w, c) in imports], md))
    print()
    print(phase_table(phases, md))
    print()
    print("machine: %d CPUs (%s), %.1f GiB; load average %.1f before, %.1f after; Python %s"
          % (before["nproc"], before["cpu"], before["memory_gib"], before["load"][0], after["load"][0],
             before["python"]))
    print("versions: %s" % versions(python))
    print("berth.platform from: %s" % os.path.realpath(os.path.join(berth_root(), "ansible_collections", "berth",
                                                                    "platform")))
    if any(changed.values()):
        print("WARNING: some measured tasks reported changed: the loops were not no-ops")


if __name__ == "__main__":
    main()
