"""harbor_project against the lab's real Harbor: lifecycle, bad input, adoption of a project made by
hand, removal of a project with repositories (an image pushed with skopeo), and more than 100
projects. Projects are made over the raw API where a test needs them, and removed after.

Issue 24: as a system robot without quota permissions (the module reads no quota it does not manage,
and refuses a storage_quota before writing), and with Harbor's quota_per_project_enable off (a quota is
refused before writing; the shared setting is off for one short play, under the lock of the tests
that change Harbor's settings, and restored in a finally)."""

import uuid

from harbor_api import HarborApi, push
from harbor_fixtures import many_projects  # noqa: F401  pylint: disable=unused-import
from oidc_login import holding_authmode_lock

GIB = 1024 ** 3
# A system robot that may create, list and manage projects, but holds no quota permission
# (docs/permissions.md: the narrow account for harbor_project without storage_quota).
NO_QUOTA_PERMISSIONS = [
    {"kind": "system", "namespace": "/", "access": [
        {"resource": "project", "action": "create"}, {"resource": "project", "action": "list"}]},
    {"kind": "project", "namespace": "*", "access": [
        {"resource": r, "action": a} for r, a in (
            ("project", "read"), ("project", "update"), ("project", "delete"), ("repository", "list"))]},
]


def test_project_lifecycle_bad_input_and_adoption(run_playbook, lab):
    api = HarborApi(lab)
    name = "it-project-" + uuid.uuid4().hex[:8]
    adopted = api.create_project("it-adopt-" + uuid.uuid4().hex[:8], auto_scan="true")
    try:
        proc = run_playbook("harbor_project", extra_vars={"project": name, "adopted": adopted},
                            verbosity=3)
        assert "failed=0" in proc.stdout
        assert lab["HARBOR_PASSWORD"] not in proc.stdout + proc.stderr
        assert api.project(adopted)["metadata"]["auto_scan"] == "true"
    finally:
        for project in (name, name + "-new", adopted):
            api.delete_project(project)


def test_absent_with_repositories_needs_purge(run_playbook, lab, tmp_path):
    api = HarborApi(lab)
    name = api.create_project("it-purge-" + uuid.uuid4().hex[:8])
    try:
        pushed, _digest = push(lab, tmp_path, "%s/app:v1" % name, *api.auth)
        assert pushed.returncode == 0, pushed.stderr
        proc = run_playbook("harbor_project_purge", extra_vars={"project": name,
                                                                "repository": name + "/app"})
        assert "failed=0" in proc.stdout
        assert api.project(name) is None
    finally:
        api.delete_project(name)


def test_more_than_100_projects(many_projects, run_playbook, lab):  # noqa: F811
    prefix, limits = many_projects
    api = HarborApi(lab)
    try:
        proc = run_playbook("harbor_project_many", extra_vars={"prefix": prefix})
        assert "failed=0" in proc.stdout
    finally:
        api.delete_project(prefix + "-105")
    for name in (prefix, prefix + "-1", prefix + "-104"):
        quota = api.get("/quotas", reference="project", reference_id=api.project(name)["project_id"])
        assert quota[0]["hard"]["storage"] == limits[name]


def test_a_robot_without_quota_permissions_manages_projects_and_is_refused_a_quota(run_playbook, lab):
    """It used to create the project, then fail on GET /quotas: 403 - changed=false, on every rerun."""
    api = HarborApi(lab)
    name = "it-noquota-" + uuid.uuid4().hex[:8]
    robot = api.call("POST", "/robots", json={"name": name, "level": "system", "duration": -1,
                                              "permissions": NO_QUOTA_PERMISSIONS}).json()
    try:
        as_robot = HarborApi(lab, username=robot["name"], password=robot["secret"])
        as_robot.call("GET", "/quotas", expect=403)  # it really may not read quotas
        proc = run_playbook("harbor_project_limited", extra_vars={
            "project": name, "robot_name": robot["name"], "robot_secret": robot["secret"]})
        assert robot["secret"] not in proc.stdout + proc.stderr
        assert api.project(name) is None and api.project(name + "-new") is None
    finally:
        for project in (name, name + "-new"):
            api.delete_project(project)
        api.call("DELETE", "/robots/%d" % robot["id"], expect=(200, 404))


def test_a_quota_is_refused_while_harbor_keeps_none(run_playbook, lab):
    """It used to report success with no quota stored (Harbor drops storage_limit), then fail next run."""
    api = HarborApi(lab)
    name = "it-quotaoff-" + uuid.uuid4().hex[:8]
    existing = name + "-old"
    api.call("POST", "/projects", json={"project_name": existing, "storage_limit": GIB, "metadata": {}})
    try:
        with holding_authmode_lock():
            was = api.get("/configurations")["quota_per_project_enable"]["value"]
            api.call("PUT", "/configurations", json={"quota_per_project_enable": False})
            try:
                run_playbook("harbor_project_quotas_off", extra_vars={"project": name, "existing": existing})
            finally:
                api.call("PUT", "/configurations", json={"quota_per_project_enable": was})
        assert api.get("/configurations")["quota_per_project_enable"]["value"] == was
        assert api.project(name) is None
        quota = api.get("/quotas", reference="project", reference_id=api.project(existing)["project_id"])
        assert quota[0]["hard"]["storage"] == GIB
    finally:
        api.delete_project(name)
        api.delete_project(existing)
