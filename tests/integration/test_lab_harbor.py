"""The lab's Harbor is the real thing: harbor-core v2.15.2 built from source, PostgreSQL,
Redis and a distribution registry, reached over HTTPS with the lab CA."""

import os
import subprocess
import uuid

from conftest import require
from harbor_api import HarborApi, pull, push

LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab")


def test_systeminfo_and_health(lab):
    api = HarborApi(lab)
    info = api.get("/systeminfo")
    assert info["harbor_version"].startswith("v2.15.2")
    assert info["external_url"] == lab["HARBOR_URL"]
    health = {c["name"]: c["status"] for c in api.get("/health")["components"]}
    for component in ("core", "database", "redis", "registry"):
        assert health[component] == "healthy", health


def test_admin_creates_reads_and_deletes_a_project(lab):
    api = HarborApi(lab)
    name = api.create_project()
    try:
        assert api.project(name)["name"] == name
        again = api.call("POST", "/projects", json={"project_name": name}, expect=None)
        assert again.status_code == 409
    finally:
        api.delete_project(name)
    assert api.project(name) is None


def test_push_and_pull_through_the_token_service(lab, tmp_path):
    api = HarborApi(lab)
    image = "library/lab-%s:v1" % uuid.uuid4().hex[:6]
    pushed, digest = push(lab, tmp_path, image, *api.auth)
    assert pushed.returncode == 0, pushed.stderr
    try:
        pulled, pulled_digest = pull(lab, tmp_path, image, *api.auth)
        assert pulled.returncode == 0, pulled.stderr
        assert pulled_digest == digest
    finally:
        api.call("DELETE", "/projects/library/repositories/" + image.split("/")[1].split(":")[0],
                 expect=(200, 404))


def test_token_challenge_names_harbor_token_service(lab):
    import requests

    (url, ca) = require(lab, "HARBOR_URL", "HARBOR_CA_PATH")
    resp = requests.get(url + "/v2/", verify=ca, timeout=10)
    assert resp.status_code == 401
    assert resp.headers["Www-Authenticate"] == 'Bearer realm="%s/service/token",service="harbor-registry"' % url


def test_project_robot_pulls_but_may_not_push(lab, tmp_path):
    api = HarborApi(lab)
    project = api.create_project()
    try:
        image = "%s/app:v1" % project
        pushed, digest = push(lab, tmp_path, image, *api.auth)
        assert pushed.returncode == 0, pushed.stderr
        robot = api.call("POST", "/robots", json={
            "name": "puller", "level": "project", "duration": -1,
            "permissions": [{"kind": "project", "namespace": project,
                             "access": [{"resource": "repository", "action": "pull"}]}]}).json()
        assert robot["name"] == "robot$%s+puller" % project
        pulled, pulled_digest = pull(lab, tmp_path, image, robot["name"], robot["secret"])
        assert pulled.returncode == 0 and pulled_digest == digest, pulled.stderr
        denied = push(lab, tmp_path, "%s/other:v1" % project, robot["name"], robot["secret"])[0]
        assert denied.returncode != 0
        assert "unauthorized" in denied.stderr.lower() or "denied" in denied.stderr.lower()
    finally:
        api.delete_project(project)


def test_keep_keeps_projects_and_plain_up_starts_empty(lab):
    api = HarborApi(lab)
    name = api.create_project()
    try:
        harbor_down()
        subprocess.run([os.path.join(LAB, "up"), "--keep", "harbor"], check=True, capture_output=True)
        assert api.project(name) is not None
        harbor_down()
        subprocess.run([os.path.join(LAB, "up"), "harbor"], check=True, capture_output=True)
        assert api.project(name) is None
        assert api.project("library") is not None
    finally:
        api.delete_project(name)


def harbor_down():
    subprocess.run(["bash", "-c", '. "$1/lib.sh" && harbor_down', "_", LAB], check=True)
