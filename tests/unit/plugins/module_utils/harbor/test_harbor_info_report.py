"""harbor_project_info's report and the project helpers it shares with harbor_project,
against the in-memory Harbor (harbor_fake)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor import info
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import (
    parse_size, project_view, validate_project_name,
)
from harbor_fake import FakeHarbor


def many(count):
    fake = FakeHarbor()
    for i in range(count):
        fake.add_project("p-%03d" % i, storage=(i + 1) * 1024 ** 2, used=i, auto_scan="true")
    return fake


def test_every_page_of_projects_and_quotas_is_read_with_one_quota_list():
    fake = many(250)
    report = info.projects(fake.client())
    assert [p["name"] for p in report] == ["p-%03d" % i for i in range(250)]
    assert all(p["storage_quota"] == (i + 1) * 1024 ** 2 and p["storage_used"] == i
               for i, p in enumerate(report))
    assert all(p["auto_scan"] is True and p["public"] is False for p in report)
    quota_calls = [s for s in fake.sent if s[1] == "/quotas"]
    assert [s[2].get("page") for s in quota_calls] == ["1", "2", "3"]
    assert all("reference_id" not in s[2] for s in quota_calls)
    assert fake.writes() == []


def test_report_has_harbor_project_shape():
    fake = many(1)
    (item,) = info.projects(fake.client())
    rep = fake.projects[1]
    quota = fake.quotas[1]
    assert item == project_view(dict(rep, repo_count=0), quota)


def test_name_is_exact():
    fake = FakeHarbor()
    for name in ("x", "x-1", "xx", "a-x"):
        fake.add_project(name)
    assert [p["name"] for p in info.projects(fake.client(), name="x")] == ["x"]
    assert info.projects(fake.client(), name="y") == []


def test_members_in_harbor_project_member_shape():
    fake = FakeHarbor()
    fake.add_project("team-a")
    gid = fake.add_group("team-a", 3)
    fake.add_member(1, "g", gid, 2)
    fake.add_member(1, "u", fake.add_user("alice"), 5)
    (item,) = info.projects(fake.client(), name="team-a", members=True)
    assert item["members"] == [  # users first, by name, then groups
        dict(project="team-a", project_id=1, member_id=1, entity_id=1, username="admin", role="project-admin"),
        dict(project="team-a", project_id=1, member_id=3, entity_id=2, username="alice", role="limited-guest"),
        dict(project="team-a", project_id=1, member_id=2, entity_id=gid, group="team-a", group_type="oidc",
             ldap_group_dn=None, role="developer"),
    ]


def test_account_without_quota_or_group_list_permission_still_gets_a_report():
    fake = FakeHarbor()
    fake.add_project("team-a")
    fake.add_member(1, "g", fake.add_group("team-a", 3), 2)
    fake.forbidden.update(["/quotas", "/usergroups"])
    for name in (None, "team-a"):
        (item,) = info.projects(fake.client(), name=name, members=True)
        assert item["storage_quota"] is None and item["storage_used"] is None
        assert item["members"][1]["group_type"] == "oidc"  # from the group search instead


def test_project_without_quota_record_reports_none():
    fake = FakeHarbor()
    fake.add_project("team-a")
    fake.quotas.clear()
    (item,) = info.projects(fake.client())
    assert item["storage_quota"] is None and item["storage_used"] is None


# -- project helpers (harbor_project) -------------------------------------------------------------
@pytest.mark.parametrize("name", ["team-a", "a", "team.a_b-1", "0", "a" * 255])
def test_valid_project_names(name):
    assert validate_project_name(name) == name


@pytest.mark.parametrize("name", ["Team_A", "team-a\n", "-a", "a--b", "a_", "", "a" * 256, "team a"])
def test_invalid_project_names(name):
    with pytest.raises(ValidationError) as exc:
        validate_project_name(name)
    assert "invalid project name" in str(exc.value)


@pytest.mark.parametrize("text, size", [
    ("-1", -1), ("1073741824", 1073741824), ("10GiB", 10 * 1024 ** 3), ("500 MB", 500 * 1000 ** 2),
    ("1.5GiB", int(1.5 * 1024 ** 3)), ("1024TiB", 1024 ** 5), (1125899906842623, 1125899906842623),
])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text, message", [
    ("ten gigs", "is not a size"), ("10 parsecs", "is not a size"), ("0", "more than 0 bytes"),
    ("1025TiB", "more than Harbor's limit of 1024 TiB"), ("-2", "is not a size"),
])
def test_bad_sizes(text, message):
    with pytest.raises(ValidationError) as exc:
        parse_size(text)
    assert message in str(exc.value)
