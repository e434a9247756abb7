"""harbor_project against the lab's real Harbor: lifecycle, bad input, adoption of a project made by
hand, removal of a project with repositories (an image pushed with skopeo), and more than 100
projects. Projects are made over the raw API where a test needs them, and removed after."""

import uuid

from harbor_api import HarborApi, push
from harbor_fixtures import many_projects  # noqa: F401  pylint: disable=unused-import


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
