"""harbor_robot and harbor_robot_info against the lab's real Harbor: lifecycle, real
registry access with the robots' secrets (skopeo through harbor-core's token service),
rotation, explicit secrets, > 100 robots, bad input, and a least-privilege system robot."""

import json
import uuid

import pytest

from harbor_api import HarborApi, pull, push


@pytest.fixture
def project(lab):
    api = HarborApi(lab)
    name = api.create_project("it-robot-" + uuid.uuid4().hex[:8])
    yield name
    api.delete_project(name)


def read(path):
    with open(path) as f:
        return f.read()


def test_robot_lifecycle(project, run_playbook, tmp_path):
    proc = run_playbook("harbor_robot", extra_vars={"project": project, "out_dir": str(tmp_path)},
                        verbosity=3)
    created, rotated = read(tmp_path / "pull.secret"), read(tmp_path / "pull.rotated")
    # -vvv shows results; the tasks that return a secret are no_log, and no other output has it.
    assert created not in proc.stdout + proc.stderr
    assert rotated not in proc.stdout + proc.stderr


def test_push_robot_pushes_pull_robot_pulls_and_may_not_push(project, run_playbook, lab, tmp_path):
    run_playbook("harbor_robot_pair", extra_vars={"project": project, "out_dir": str(tmp_path)})
    pusher = json.loads(read(tmp_path / "push.json"))
    puller = json.loads(read(tmp_path / "pull.json"))
    image = "%s/app:v1" % project
    pushed, digest = push(lab, tmp_path, image, pusher["name"], pusher["secret"])
    assert pushed.returncode == 0, pushed.stderr
    pulled, pulled_digest = pull(lab, tmp_path, image, puller["name"], puller["secret"])
    assert pulled.returncode == 0, pulled.stderr
    assert pulled_digest == digest
    denied = push(lab, tmp_path, "%s/other:v1" % project, puller["name"], puller["secret"])[0]
    assert denied.returncode != 0
    wrong = pull(lab, tmp_path, image, puller["name"], puller["secret"] + "x")[0]
    assert wrong.returncode != 0


def test_explicit_secret_is_set_compared_and_changed(project, run_playbook, lab):
    api = HarborApi(lab)
    first, second = "Vault%sA1" % uuid.uuid4().hex[:12], "Vault%sB2" % uuid.uuid4().hex[:12]
    proc = run_playbook("harbor_robot_explicit_secret",
                        extra_vars={"project": project, "first": first, "second": second}, verbosity=3)
    assert first not in proc.stdout + proc.stderr and second not in proc.stdout + proc.stderr
    robot = api.robots("Level=project,ProjectID=%d" % api.project(project)["project_id"])[0]
    assert robot["name"] == "robot$%s+deploy" % project
    assert api.token_subject(robot["name"], second) == robot["name"]
    assert api.token_subject(robot["name"], first) is None  # the replaced secret is refused


def test_a_scoped_token_request_proves_nothing_about_credentials(project, lab):
    """The trap of Harbor's token service: asked with a ``scope`` (what a registry client asks
    before a pull) it answers 200 to ANY credentials - wrong secret, deleted robot, unknown user -
    with an anonymous token (no subject, no access). Only the scope-less request (``docker login``)
    answers 401, so a revocation can be proven only that way, and by the token's subject."""
    api = HarborApi(lab)
    name = "trap-" + uuid.uuid4().hex[:6]
    created = api.call("POST", "/robots", json={
        "name": name, "level": "project", "duration": -1,
        "permissions": [{"kind": "project", "namespace": project,
                         "access": [{"resource": "repository", "action": "pull"}]}]}).json()
    full_name, secret = created["name"], created["secret"]
    assert full_name == "robot$%s+%s" % (project, name)
    scope = "repository:%s/app:pull" % project

    # Scope-less: the right secret authenticates the robot, a wrong one is refused.
    assert api.token_subject(full_name, secret) == full_name
    assert api.token_subject(full_name, secret + "x") is None

    # Scoped: the right secret gets a token for the robot with its pull access ...
    status, claims = api.scoped_token(full_name, secret, scope)
    assert status == 200 and claims["sub"] == full_name
    assert [a["name"] for a in claims["access"]] == ["%s/app" % project] and "pull" in claims["access"][0]["actions"]
    # ... and wrong credentials get 200 too - an anonymous token, no subject, no access.
    for user, password in ((full_name, secret + "x"), ("robot$nobody-" + name, "Wrong1secret")):
        status, claims = api.scoped_token(user, password, scope)
        assert status == 200, (user, status)
        assert not claims.get("sub"), claims
        assert all(not a.get("actions") for a in claims.get("access") or []), claims

    # A deleted robot: the scope-less request is refused, the scoped one still answers 200.
    api.call("DELETE", "/robots/%d" % created["id"])
    assert api.token_subject(full_name, secret) is None
    status, claims = api.scoped_token(full_name, secret, scope)
    assert status == 200 and not claims.get("sub")


def test_more_than_100_robots(project, run_playbook, lab):
    api = HarborApi(lab)
    for i in range(105):
        api.call("POST", "/robots", json={
            "name": "bulk-%03d" % i, "level": "project", "duration": -1,
            "permissions": [{"kind": "project", "namespace": project,
                             "access": [{"resource": "repository", "action": "pull"}]}]})
    run_playbook("harbor_robot_many", extra_vars={"project": project})
    robots = api.robots("Level=project,ProjectID=%d" % api.project(project)["project_id"])
    assert len(robots) == 100  # one page; the module saw all 106 (asserted in the playbook)


def test_bad_input_fails_clearly_and_writes_nothing(project, run_playbook, lab):
    api = HarborApi(lab)
    proc = run_playbook("harbor_robot_bad_input", extra_vars={"project": project})
    assert "failed=0" in proc.stdout
    pid = api.project(project)["project_id"]
    assert api.robots("Level=project,ProjectID=%d" % pid) == []


def test_system_robot_bootstraps_automation_without_admin(run_playbook, lab, tmp_path):
    api = HarborApi(lab)
    suffix = uuid.uuid4().hex[:8]
    try:
        run_playbook("harbor_robot_system", extra_vars={"suffix": suffix, "out_dir": str(tmp_path)})
        project = api.project("it-auto-" + suffix)
        assert project is not None
        robots = api.robots("Level=project,ProjectID=%d" % project["project_id"])
        assert [r["name"] for r in robots] == ["robot$it-auto-%s+pull" % suffix]
        assert robots[0]["creator_type"] == "robot"
    finally:
        api.delete_project("it-auto-" + suffix)
        for robot in api.robots("Level=system,name=berth-auto-" + suffix):
            api.call("DELETE", "/robots/%d" % robot["id"])
