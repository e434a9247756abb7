"""harbor-core killed (SIGKILL) in the middle of playbooks/tenants.yml: the run fails cleanly, the
test restarts harbor-core (tests/lab/up --keep), and a rerun converges to what a clean run makes -
every project once, exactly the cluster's robots, every Secret's robot credentials accepted by
Harbor. Five teams on east, so the kill lands while projects are still being created."""

import os
import signal
import subprocess
import time
import uuid

import pytest

from conftest import playbook_invocation, require
from harbor_api import HarborApi
from harbor_fixtures import create_group
from test_faults_everywhere import failed_cleanly
from test_tenants import PLAYBOOKS, changed_inventory, core, docker_credentials, recap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEAMS = 5


@pytest.fixture
def doomed(lab, tmp_path):
    require(lab, "HARBOR_URL", "K8S_EAST_KUBECONFIG", "K8S_WEST_KUBECONFIG", "LAB_STATE")
    suffix = "-" + uuid.uuid4().hex[:8]
    names = ["team-kill%d%s" % (i, suffix) for i in range(TEAMS)]

    def east(teams):
        teams[:] = [{"name": "Team Kill%d{{ berth_lab_suffix }}" % i} for i in range(TEAMS)]

    inventory = changed_inventory(tmp_path, "east", east)
    # west keeps no team: the run is about east.
    west = inventory / "group_vars" / "cluster_west.yml"
    west.write_text(west.read_text().split("berth_teams:")[0] + "berth_teams: []\n")
    api = HarborApi(lab)
    groups = [create_group(api, name, group_type=3) for name in names]  # OIDC groups, made beforehand
    yield api, names, suffix, str(inventory)
    for name in names:
        api.delete_project(name)
    for group_id in groups:
        api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))
    for name in names:
        try:
            core(lab, "east").delete_namespace(name)
        except Exception:  # pylint: disable=broad-except
            pass


def tenants(lab, inventory, suffix):
    return playbook_invocation(lab, os.path.join(PLAYBOOKS, "tenants"), extra_args=["-i", inventory],
                               env_overrides={"BERTH_LAB_SUFFIX": suffix})


def kill_harbor_core(lab):
    with open(os.path.join(lab["LAB_STATE"], "pids", "harbor-core.pid")) as handle:
        pid = int(handle.read())
    os.killpg(pid, signal.SIGKILL)  # the lab starts it with setsid: its own process group


def test_harbor_core_killed_mid_run_then_a_rerun_converges(lab, doomed, run_playbook):
    api, names, suffix, inventory = doomed
    cmd, env = tenants(lab, inventory, suffix)
    play = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and play.poll() is None:
            made = api.get("/projects", q="name=~" + suffix, page_size=100) or []
            if len(made) >= 2:
                break
            time.sleep(0.2)
        assert play.poll() is None, "tenants.yml ended before the kill"
        kill_harbor_core(lab)
        killed_at = len(made)
        output = play.communicate(timeout=600)[0]
    finally:
        if play.poll() is None:
            play.kill()
        restart = subprocess.run([os.path.join(ROOT, "tests", "lab", "up"), "--keep"], capture_output=True,
                                 text=True, check=False)
        assert restart.returncode == 0, restart.stdout[-2000:] + restart.stderr[-2000:]

    assert play.returncode != 0, output[-3000:]
    failed_cleanly(subprocess.CompletedProcess(cmd, play.returncode, output, ""))
    assert "cannot reach" in output, output[-3000:]

    rerun = run_playbook(os.path.join(PLAYBOOKS, "tenants"), extra_args=["-i", inventory],
                         env_overrides={"BERTH_LAB_SUFFIX": suffix})
    assert recap(rerun)["east"]["failed"] == 0
    print("\nkilled after %d of %d projects existed" % (killed_at, TEAMS))

    listed = sorted(p["name"] for p in api.get("/projects", q="name=~" + suffix, page_size=100))
    assert listed == sorted(names)
    for name in names:
        project = api.project(name)
        robots = api.robots("Level=project,ProjectID=%d" % project["project_id"])
        assert sorted(r["name"].split("+", 1)[1] for r in robots) == ["pull-east", "push-east"], name
        creds = docker_credentials(lab, "east", name)
        assert sorted(creds) == ["harbor-pull", "harbor-push", "harbor-push-dockerconfig"], name
        for username, password in creds.values():
            assert api.token_subject(username, password) == username, (name, username)
    ns = sorted(n.metadata.name for n in core(lab, "east").list_namespace().items if n.metadata.name.endswith(suffix))
    assert ns == sorted(names)
