"""harbor_project_member with username: admin. Harbor v2.15.2's /users/search counts users
without user id 1 and answers [] for a zero count, so the system admin is not found by search;
POST /projects/{p}/members with member_user.username resolves it all the same
(src/controller/member/controller.go: userManager.GetByName has no such filter)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.members import (
    MemberAdapter, desired_member,
)
from harbor_fake import FakeHarbor, like


class HarborSearch(FakeHarbor):
    """FakeHarbor whose /users/search leaves out the system admin the way Harbor does."""

    def route(self, method, path, query, body, headers):
        if method == "GET" and path == "/users/search":
            matches = [u for u in self.users.values() if like(query["username"], u["username"])]
            if not [u for u in matches if u["user_id"] > 1]:
                return 200, [], {"X-Total-Count": "0"}
        return super().route(method, path, query, body, headers)


@pytest.fixture
def harbor():
    fake = HarborSearch()
    fake.add_project("team-a")  # created by admin: admin is its project admin (member 1)
    return fake


def run(fake, project="team-a", state="present", check_mode=False, **kwargs):
    desired = desired_member(project, state=state, **kwargs)
    return ensure(MemberAdapter(fake.client(), state=state), desired, state=state, check_mode=check_mode)


def test_admin_is_not_searchable_in_this_fake(harbor):
    assert harbor.client().get_json("/users/search", params={"username": "admin"}) == []


def test_admin_as_creator_is_found_without_search(harbor):
    outcome = run(harbor, role="project-admin", username="admin")
    assert outcome.action == "none" and outcome.resource["entity_id"] == 1
    assert harbor.writes() == []


def test_admin_is_added_by_name_and_found_again(harbor):
    pid = harbor.add_project("team-b")
    for mid in [m for m, row in harbor.members.items() if row["project_id"] == pid]:
        del harbor.members[mid]  # team-b created by someone else
    for check_mode in (True, False):
        assert run(harbor, project="team-b", role="guest", username="admin",
                   check_mode=check_mode).action == "create"
    assert harbor.writes() == [("POST", "/projects/%d/members" % pid, {},
                                {"role_id": 3, "member_user": {"username": "admin"}})]
    outcome = run(harbor, project="team-b", role="guest", username="admin")
    assert outcome.action == "none" and outcome.resource["entity_id"] == 1


def test_admin_role_changes_and_admin_is_removed(harbor):
    assert run(harbor, role="developer", username="admin").action == "update"
    outcome = run(harbor, username="admin", state="absent")
    assert outcome.action == "delete" and outcome.diff()["before"]["username"] == "admin"
    assert not [m for m in harbor.members.values() if m["entity_type"] == "u" and m["entity_id"] == 1]


def test_admin_found_by_search_when_another_user_matches(harbor):
    harbor.add_user("admin2")  # now Harbor's search returns admin too: added by id
    pid = harbor.add_project("team-b")
    harbor.members = dict((m, row) for m, row in harbor.members.items() if row["project_id"] != pid)
    assert run(harbor, project="team-b", role="guest", username="admin").action == "create"
    assert harbor.writes()[-1][3] == {"role_id": 3, "member_user": {"user_id": 1}}


@pytest.mark.parametrize("username", ["Admin", "ADMIN"])
def test_admin_in_another_case_is_not_harbors_admin(harbor, username):
    with pytest.raises(ValidationError) as exc:
        run(harbor, role="guest", username=username)
    assert "user %s not found in Harbor (auth_mode db_auth)" % username in str(exc.value)
    assert "Harbor's system admin is named admin: user names are case-sensitive" in str(exc.value)
    assert harbor.writes() == []
