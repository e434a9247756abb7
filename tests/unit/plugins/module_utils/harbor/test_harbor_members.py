"""harbor_project_member's adapter: role mapping, exact matching, input checks and the
auth-mode rules for groups, against an in-memory Harbor (harbor_fake)."""

import os

import pytest

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor import members
from ansible_collections.berth.platform.plugins.module_utils.harbor.members import (
    MemberAdapter, desired_member, exact_groups, exact_members, refusal, role_id, role_name,
)
from harbor_fake import FakeHarbor

HARBOR_SRC = "/work/shared/reference/harbor-v2.15.2-src/src"

ALL_ROLES = "project-admin, maintainer, developer, guest, limited-guest"


# -- role mapping -------------------------------------------------------------------------
@pytest.mark.parametrize("name, rid", [
    ("project-admin", 1), ("developer", 2), ("guest", 3), ("maintainer", 4), ("limited-guest", 5),
    ("projectAdmin", 1), ("limitedGuest", 5), ("Limited Guest", 5), ("project_admin", 1),
])
def test_role_names_map_to_harbor_ids(name, rid):
    assert role_id(name) == rid


def test_role_ids_are_harbors_own():
    """src/common/const.go of the reference source, when it is at hand."""
    const = os.path.join(HARBOR_SRC, "common", "const.go")
    if not os.path.exists(const):
        pytest.skip("Harbor source not available")
    with open(const) as f:
        text = f.read()
    for harbor_name, ours in (("RoleProjectAdmin", "project-admin"), ("RoleDeveloper", "developer"),
                              ("RoleGuest", "guest"), ("RoleMaintainer", "maintainer"),
                              ("RoleLimitedGuest", "limited-guest")):
        assert "%s = %d" % (harbor_name, members.ROLE_IDS[ours]) in " ".join(text.split())
    for harbor_name, ours in (("LDAPGroupType", "ldap"), ("HTTPGroupType", "http"),
                              ("OIDCGroupType", "oidc")):
        assert "%s = %d" % (harbor_name, members.GROUP_TYPE_IDS[ours]) in " ".join(text.split())


@pytest.mark.parametrize("bad", ["owner", "admin", "", "projectadmin2", None])
def test_unknown_role_lists_every_valid_role(bad):
    with pytest.raises(ValidationError) as exc:
        role_id(bad)
    assert "unknown role %r: use one of %s" % (bad, ALL_ROLES) in str(exc.value)


def test_role_name_is_canonical():
    assert role_name("limitedGuest") == "limited-guest"
    assert role_name("PROJECT-ADMIN") == "project-admin"


# -- input validation -------------------------------------------------------------------------
def test_desired_member_for_a_group_and_a_user():
    assert desired_member("team-a", role="developer", group="team-a") == dict(
        project="team-a", role="developer", group="team-a", group_type="oidc", ldap_group_dn=None)
    assert desired_member("team-a", role="projectAdmin", username="alice") == dict(
        project="team-a", role="project-admin", username="alice")
    assert desired_member("team-a", username="alice", state="absent")["role"] is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(project="team-a", role="owner", group="g"), "unknown role 'owner': use one of " + ALL_ROLES),
    (dict(project="Team_A", role="guest", group="g"), "invalid project name 'Team_A'"),
    (dict(project="team-a", role="guest"), "set exactly one of username or group"),
    (dict(project="team-a", role="guest", group="g", username="u"), "set exactly one of username or group"),
    (dict(project="team-a", role="guest", username=" "), "username must not be empty"),
    (dict(project="team-a", role="guest", group="g", ldap_group_dn="cn=g"),
     "ldap_group_dn needs group and group_type: ldap"),
    (dict(project="team-a", role="guest", group="g", group_type="saml"), "unknown group_type 'saml'"),
    (dict(project="team-a", group="g"), "role is required with state: present"),
])
def test_bad_input_is_refused_before_any_request(kwargs, message):
    with pytest.raises(ValidationError) as exc:
        desired_member(**kwargs)
    assert message in str(exc.value)


def test_several_problems_come_in_one_message():
    with pytest.raises(ValidationError) as exc:
        desired_member("Team_A", role="owner", group="g")
    assert "invalid project name" in str(exc.value) and "unknown role 'owner'" in str(exc.value)


# -- exact matching -----------------------------------------------------------------------------
FUZZY = [
    {"id": 1, "entity_type": "u", "entity_name": "team-a", "entity_id": 7},
    {"id": 2, "entity_type": "g", "entity_name": "team-a", "entity_id": 3},
    {"id": 3, "entity_type": "g", "entity_name": "team-a-1", "entity_id": 4},
    {"id": 4, "entity_type": "g", "entity_name": "Team-A", "entity_id": 5},
    {"id": 5, "entity_type": "g", "entity_name": "team-a", "entity_id": 9},
]


def test_exact_members_filters_name_type_and_id():
    assert [m["id"] for m in exact_members(FUZZY, "g", "team-a")] == [2, 5]
    assert [m["id"] for m in exact_members(FUZZY, "g", "team-a", 3)] == [2]
    assert [m["id"] for m in exact_members(FUZZY, "u", "team-a")] == [1]
    assert exact_members(FUZZY, "u", "team") == []


def test_exact_groups_match_name_and_type_or_the_dn():
    groups = [{"id": 1, "group_name": "team-a", "group_type": 3},
              {"id": 2, "group_name": "team-a", "group_type": 2},
              {"id": 3, "group_name": "team_a", "group_type": 3},
              {"id": 4, "group_name": "readers", "group_type": 1, "ldap_group_dn": "cn=readers,dc=x"}]
    assert [g["id"] for g in exact_groups(groups, "team-a", "oidc")] == [1]
    assert [g["id"] for g in exact_groups(groups, "team-a", "http")] == [2]
    assert [g["id"] for g in exact_groups(groups, "other", "ldap", "cn=readers,dc=x")] == [4]
    assert exact_groups(groups, "readers", "ldap", "cn=other,dc=x") == []


# -- which groups Harbor can add in which auth mode ------------------------------------------
@pytest.mark.parametrize("group_type, auth_mode, skip, dn, refused", [
    ("oidc", "oidc_auth", False, None, False),
    ("oidc", "db_auth", False, None, True),
    ("oidc", "ldap_auth", False, None, True),
    ("http", "oidc_auth", False, None, True),     # Harbor would add an OIDC group instead
    ("http", "http_auth", False, None, True),     # the auth proxy does not search groups
    ("http", "http_auth", True, None, False),
    ("ldap", "ldap_auth", False, None, True),     # LDAP search needs a DN
    ("ldap", "ldap_auth", False, "cn=g,dc=x", False),
    ("ldap", "oidc_auth", False, "cn=g,dc=x", True),
])
def test_refusal_matrix(group_type, auth_mode, skip, dn, refused):
    assert (refusal(group_type, "g", auth_mode, skip, dn) is not None) == refused


def test_refusal_in_oidc_mode_names_the_wrong_group_type():
    assert "would add an OIDC group of that name instead" in refusal("http", "g", "oidc_auth")


# -- the adapter against the in-memory Harbor ------------------------------------------------
@pytest.fixture
def harbor():
    fake = FakeHarbor()
    fake.add_project("team-a")
    return fake


def run(fake, state="present", check_mode=False, **kwargs):
    desired = desired_member("team-a", state=state, **kwargs)
    return ensure(MemberAdapter(fake.client(), state=state), desired, state=state, check_mode=check_mode)


def test_existing_group_is_added_by_id_and_found_again(harbor):
    gid = harbor.add_group("team-a", 3)
    outcome = run(harbor, role="developer", group="team-a")
    assert outcome.action == "create"
    assert harbor.writes() == [("POST", "/projects/1/members", {},
                                {"role_id": 2, "member_group": {"id": gid}})]
    assert outcome.resource["entity_id"] == gid
    assert run(harbor, role="developer", group="team-a").action == "none"


def test_fuzzy_member_list_still_finds_exactly_one(harbor):
    harbor.fuzzy_entityname = True
    for name in ("team-a-1", "team-a-2", "xteam-a"):
        harbor.add_member(1, "g", harbor.add_group(name, 3), 3)
    gid = harbor.add_group("team-a", 3)
    harbor.add_member(1, "g", harbor.add_group("team-a", 2), 1)  # same name, HTTP type
    harbor.add_member(1, "u", harbor.add_user("team-a"), 1)      # same name, a user
    mid = harbor.add_member(1, "g", gid, 2)
    outcome = run(harbor, role="developer", group="team-a")
    assert outcome.action == "none" and outcome.resource["id"] == mid
    assert harbor.writes() == []


def test_role_changes_in_place_and_the_diff_shows_only_the_role(harbor):
    uid = harbor.add_user("alice")
    mid = harbor.add_member(1, "u", uid, 3)
    outcome = run(harbor, role="maintainer", username="alice")
    assert outcome.action == "update"
    assert harbor.writes() == [("PUT", "/projects/1/members/%d" % mid, {}, {"role_id": 4})]
    before, after = outcome.diff()["before"], outcome.diff()["after"]
    assert before == dict(project="team-a", username="alice", role="guest")
    assert after == dict(before, role="maintainer")
    assert outcome.resource["id"] == mid and harbor.members[mid]["role_id"] == 4


def test_check_mode_writes_nothing(harbor):
    harbor.add_member(1, "u", harbor.add_user("alice"), 3)
    assert run(harbor, role="developer", username="alice", check_mode=True).action == "update"
    assert run(harbor, role="developer", username="bob-not-there", check_mode=True, state="absent").action == "none"
    assert harbor.writes() == []


def test_user_is_added_by_id_and_removed(harbor):
    uid = harbor.add_user("alice")
    harbor.add_user("alice2")
    assert run(harbor, role="guest", username="alice").action == "create"
    assert harbor.writes()[0][3] == {"role_id": 3, "member_user": {"user_id": uid}}
    outcome = run(harbor, username="alice", state="absent")
    assert outcome.action == "delete" and outcome.diff()["before"]["username"] == "alice"
    assert [m for m in harbor.members.values() if m["entity_id"] == uid and m["entity_type"] == "u"] == []


def test_missing_project_is_a_clear_error_with_reads_only():
    fake = FakeHarbor()
    with pytest.raises(ValidationError) as exc:
        run(fake, role="guest", username="admin")
    assert "project team-a not found in Harbor" in str(exc.value)
    assert fake.writes() == []
    assert run(fake, username="admin", state="absent").action == "none"


@pytest.mark.parametrize("auth_mode, hint", [
    ("db_auth", "create the user first"),
    ("oidc_auth", "OIDC users exist in Harbor only after their first login"),
])
def test_unknown_user_is_a_clear_error(harbor, auth_mode, hint):
    harbor.auth_mode = auth_mode
    harbor.add_user("alice-2")  # a fuzzy match is not the user
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as exc:
            run(harbor, role="guest", username="alice", check_mode=check_mode)
        assert "user alice not found in Harbor (auth_mode %s)" % auth_mode in str(exc.value)
        assert hint in str(exc.value)
    assert harbor.writes() == []


def test_user_like_wildcards_do_not_match(harbor):
    harbor.add_user("team-a")  # LIKE '%team_a%' matches it; the adapter must not
    with pytest.raises(ValidationError):
        run(harbor, role="guest", username="team_a")


def test_unknown_oidc_group_in_db_auth_is_refused_before_writing(harbor):
    harbor.add_group("team-a", 2)  # an HTTP group of that name is not the OIDC group
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as exc:
            run(harbor, role="developer", group="team-a", check_mode=check_mode)
        text = str(exc.value)
        assert "OIDC group team-a is not known to Harbor" in text
        assert "auth_mode db_auth" in text and "POST /api/v2.0/usergroups with group_type 3" in text
    assert harbor.writes() == []


def test_unknown_oidc_group_in_oidc_auth_is_onboarded_by_harbor(harbor):
    harbor.auth_mode = "oidc_auth"
    outcome = run(harbor, role="developer", group="team-b")
    assert harbor.writes() == [("POST", "/projects/1/members", {},
                                {"role_id": 2, "member_group": {"group_name": "team-b", "group_type": 3}})]
    assert outcome.shown(MemberAdapter(None))["group_type"] == "oidc"


def test_unknown_http_group_in_oidc_auth_is_refused(harbor):
    harbor.auth_mode = "oidc_auth"
    with pytest.raises(ValidationError) as exc:
        run(harbor, role="developer", group="team-b", group_type="http")
    assert "would add an OIDC group of that name instead" in str(exc.value)
    assert harbor.writes() == []


def test_several_ldap_groups_of_one_name_need_a_dn(harbor):
    harbor.add_group("readers", 1, "cn=readers,ou=a,dc=x")
    harbor.add_group("readers", 1, "cn=readers,ou=b,dc=x")
    with pytest.raises(ValidationError) as exc:
        run(harbor, role="guest", group="readers", group_type="ldap")
    assert "set ldap_group_dn" in str(exc.value)
    outcome = run(harbor, role="guest", group="readers", group_type="ldap", ldap_group_dn="cn=readers,ou=b,dc=x")
    assert outcome.action == "create" and outcome.resource["entity_id"] == 2
