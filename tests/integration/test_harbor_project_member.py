"""harbor_project_member against the lab's real Harbor (auth_mode db_auth).

The project, a local user and an OIDC user group named like the user are made over the raw API and
removed after. Creating local users blocks another test run's switch to oidc_auth, and this test
needs db_auth: run it under ``flock /tmp/harbor-authmode.lock``.
"""

import uuid

import pytest

from harbor_api import HarborApi
from harbor_fixtures import create_group, local_user, project  # noqa: F401  pylint: disable=unused-import


@pytest.fixture
def same_name_group(lab, local_user):  # noqa: F811  pylint: disable=redefined-outer-name
    """An OIDC user group with the local user's name: a user and a group may share a name."""
    api = HarborApi(lab)
    group_id = create_group(api, local_user["name"], 3)
    yield dict(name=local_user["name"], id=group_id)
    api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))


def test_member_lifecycle_and_bad_input(project, local_user, same_name_group,  # noqa: F811
                                        run_playbook, lab):
    suffix = uuid.uuid4().hex[:8]
    missing_group = "it-nogroup-" + suffix
    proc = run_playbook("harbor_project_member", verbosity=3, extra_vars={
        "project": project, "username": local_user["name"], "group": same_name_group["name"],
        "group_id": same_name_group["id"], "missing_project": "it-noproject-" + suffix,
        "missing_user": "it-nouser-" + suffix, "missing_group": missing_group})
    assert "failed=0" in proc.stdout
    assert lab["HARBOR_PASSWORD"] not in proc.stdout + proc.stderr
    api = HarborApi(lab)
    # The refused OIDC group was not created behind the module's back, nor the missing project.
    assert [g for g in api.get("/usergroups", page_size=100) or [] if g["group_name"] == missing_group] == []
    assert api.project("it-noproject-" + suffix) is None
    # The user and the group are still there (the module removed memberships only).
    assert api.get("/users/%d" % local_user["id"])["username"] == local_user["name"]
    assert api.get("/usergroups/%d" % same_name_group["id"])["group_name"] == same_name_group["name"]
