"""ProjectAdapter against an in-memory Harbor (issue 24): the quota is read only when the task
manages it, and a quota Harbor would not keep - or could not be read back - is refused before
anything is written. tests/integration/test_harbor_project.py grades the same against harbor-core."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils import ensure as engine
from ansible_collections.berth.platform.plugins.module_utils.errors import Conflict, Forbidden, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import (
    ProjectAdapter, quota_setting,
)

from harbor_fake import FakeHarbor

GIB = 1024 ** 3


class ProjectHarbor(FakeHarbor):
    """FakeHarbor plus what harbor_project writes, with Harbor's quota rules
    (src/server/v2.0/handler/project.go CreateProject, GetProjectSummary)."""

    def __init__(self, quotas_enabled=True, admin=True, quota_reader=True):
        super().__init__()
        self.quotas_enabled = quotas_enabled
        self.admin = admin                # may read /configurations (a system admin)
        self.quota_reader = quota_reader  # holds project-level quota:read (the summary shows quotas)

    def route(self, method, path, query, body, headers):
        parts = path.strip("/").split("/")
        if path in self.forbidden:
            return self.error(403, "forbidden")
        if method == "GET" and parts == ["configurations"]:
            if not self.admin:
                return self.error(403, "forbidden")
            return 200, {"quota_per_project_enable": {"value": self.quotas_enabled, "editable": True}}, {}
        if method == "GET" and parts == ["users", "current", "permissions"]:
            held = [{"resource": "quota", "action": "read"}] if self.quota_reader else []
            return 200, held + [{"resource": "repository", "action": "pull"}], {}
        if method == "POST" and parts == ["projects"]:
            pid = self.add_project(body["project_name"], storage=body.get("storage_limit") or -1,
                                   **body.get("metadata") or {})
            if not self.quotas_enabled:  # Harbor ignores storage_limit and makes no quota record
                self.quotas = dict((k, q) for k, q in self.quotas.items() if q["ref"]["id"] != pid)
            return 201, None, {"Location": "/api/v2.0/projects/%d" % pid}
        if method == "PUT" and parts[0] == "quotas":
            self.quotas[int(parts[1])]["hard"] = body["hard"]
            return 200, None, {}
        if parts[0] == "projects" and len(parts) >= 2:
            project = self.project_by(parts[1])
            if method == "PUT" and len(parts) == 2:
                project["metadata"].update(body["metadata"])
                return 200, None, {}
            if method == "GET" and parts[2:] == ["repositories"]:
                return self.page([], query)
            if method == "DELETE" and len(parts) == 2:
                del self.projects[project["project_id"]]
                return 200, None, {}
            if method == "GET" and parts[2:] == ["summary"]:
                summary = {"repo_count": 0}
                record = [q for q in self.quotas.values() if q["ref"]["id"] == project["project_id"]]
                if self.quotas_enabled and self.quota_reader and record:
                    summary["quota"] = {"hard": record[0]["hard"], "used": record[0]["used"]}
                return 200, summary, {}
        return super(ProjectHarbor, self).route(method, path, query, body, headers)

    def paths(self, method=None):
        return [s[1] for s in self.sent if method is None or s[0] == method]


def run(fake, check_mode=False, state="present", **desired):
    desired.setdefault("name", "team-a")
    return engine.ensure(ProjectAdapter(fake.client(), state=state), desired, state=state,
                         check_mode=check_mode)


# -- the quota is read only when managed --------------------------------------------------
def test_without_storage_quota_nothing_reads_quotas():
    fake = ProjectHarbor()
    fake.forbidden.add("/quotas")  # an account that may create projects but not read quotas
    created = run(fake, public=False)
    assert created.action == "create" and created.resource["name"] == "team-a"
    assert run(fake, public=False).action == "none"
    assert run(fake, public=True).action == "update"
    assert run(fake, state="absent").action == "delete"
    assert "/quotas" not in fake.paths()


def test_with_storage_quota_a_create_is_refused_before_the_post_when_quotas_cannot_be_read():
    fake = ProjectHarbor()
    fake.forbidden.add("/quotas")
    for check_mode in (True, False):
        with pytest.raises(Forbidden) as info:
            run(fake, check_mode=check_mode, storage_quota=GIB)
        text = str(info.value)
        assert "storage_quota is set, but this account may not read quotas" in text
        assert "quota:list" in text and "nothing was written" in text
    assert fake.writes() == [] and fake.projects == {}


def test_with_storage_quota_an_existing_project_fails_on_the_read_naming_the_option():
    fake = ProjectHarbor()
    fake.add_project("team-a", storage=GIB)
    fake.forbidden.add("/quotas")
    with pytest.raises(Forbidden, match="storage_quota is set, but this account may not read quotas"):
        run(fake, storage_quota=2 * GIB)
    assert fake.writes() == []


# -- quota_per_project_enable -----------------------------------------------------------------
@pytest.mark.parametrize("check_mode", [True, False])
def test_quotas_off_refuses_a_create_with_a_quota_before_anything_is_written(check_mode):
    fake = ProjectHarbor(quotas_enabled=False)
    with pytest.raises(ValidationError) as info:
        run(fake, check_mode=check_mode, storage_quota=GIB)
    text = str(info.value)
    assert "quota_per_project_enable setting is off" in text and "storage_quota" in text
    assert "nothing was written" in text and "leave storage_quota out" in text
    assert fake.writes() == [] and fake.projects == {}


def test_quotas_off_refuses_a_quota_change_but_not_a_project_without_one():
    fake = ProjectHarbor(quotas_enabled=False)
    fake.add_project("team-a", storage=GIB)  # a record from before the setting was turned off
    assert run(fake, storage_quota=GIB).action == "none"  # nothing to write: nothing to refuse
    with pytest.raises(ValidationError, match="quota_per_project_enable setting is off"):
        run(fake, storage_quota=2 * GIB, public=True)
    assert fake.writes() == []
    assert run(fake, public=True).action == "update"  # the rest is still managed


def test_a_robot_learns_the_setting_from_a_project_summary():
    fake = ProjectHarbor(quotas_enabled=False, admin=False)
    fake.add_project("library")
    fake.quotas_enabled = True
    fake.add_project("other")
    fake.quotas_enabled = False
    with pytest.raises(ValidationError, match="quota_per_project_enable setting is off"):
        run(fake, storage_quota=GIB)
    assert fake.writes() == []
    assert "/projects/1/summary" in fake.paths() and "/users/current/permissions" in fake.paths()


def test_a_summary_without_quota_proves_nothing_for_an_account_that_may_not_read_it():
    harbor = ProjectHarbor(quotas_enabled=True, admin=False, quota_reader=False)
    harbor.add_project("library")
    assert quota_setting(harbor.client(), [1]) is None
    harbor.quota_reader = True
    assert quota_setting(harbor.client(), [1]) is True


def test_the_setting_is_read_once_per_client():
    fake = ProjectHarbor()
    client = fake.client()
    assert quota_setting(client) is True and quota_setting(client) is True
    assert fake.paths().count("/configurations") == 1


def test_when_nobody_can_tell_a_missing_quota_record_fails_at_once_and_on_every_rerun():
    fake = ProjectHarbor(quotas_enabled=False, admin=False, quota_reader=False)
    with pytest.raises(Conflict, match="stored no quota for it: Harbor's quota_per_project_enable"):
        run(fake, storage_quota=GIB)
    with pytest.raises(Conflict, match="no quota record to update .* quota_per_project_enable"):
        run(fake, storage_quota=GIB)


# -- writes ---------------------------------------------------------------------------------
def test_create_with_a_quota_converges_and_an_update_writes_the_quota_first():
    fake = ProjectHarbor()
    created = run(fake, storage_quota=GIB, auto_scan=True)
    assert created.resource["_quota"]["hard"]["storage"] == GIB
    assert run(fake, storage_quota=GIB, auto_scan=True).action == "none"
    del fake.sent[:]
    updated = run(fake, storage_quota=2 * GIB, auto_scan=False)
    assert sorted(updated.changes) == ["auto_scan", "storage_quota"]
    assert [(m, p) for m, p, _q, _b in fake.writes()] == [("PUT", "/quotas/1"), ("PUT", "/projects/1")]
    assert fake.quotas[1]["hard"]["storage"] == 2 * GIB


def as_plain_user(fake):
    """Harbor keeps storage_limit only from a creator with the system permission project:create:
    ``fake`` answers creates as for a creator without it (the default quota, -1)."""
    route = fake.route

    def dropping_the_limit(method, path, query, body, headers):
        if method == "POST" and path == "/projects":
            body = dict(body, storage_limit=-1)
        return route(method, path, query, body, headers)
    fake.route = dropping_the_limit
    return fake


def test_a_new_project_given_the_default_quota_gets_the_wanted_one():
    fake = as_plain_user(ProjectHarbor())
    created = run(fake, storage_quota=GIB)
    assert created.resource["_quota"]["hard"]["storage"] == GIB
    assert [(m, p) for m, p, _q, _b in fake.writes()] == [("POST", "/projects"), ("PUT", "/quotas/1")]


# -- a create answers from what was sent (issue 26) -------------------------------------------
def test_a_create_is_not_read_back():
    fake = ProjectHarbor()
    created = run(fake, public=False, auto_scan=True)
    after_post = fake.sent[[s[0] for s in fake.sent].index("POST") + 1:]
    assert after_post == []
    assert created.resource["project_id"] == 1 and created.resource["metadata"] == {"public": "false", "auto_scan": "true"}
    assert run(fake, public=False, auto_scan=True).action == "none"  # what it answered is what Harbor holds


def test_only_the_first_create_of_a_client_reads_its_quota_back():
    fake = ProjectHarbor()
    client = fake.client()
    for name in ("team-a", "team-b", "team-c"):
        outcome = engine.ensure(ProjectAdapter(client), dict(name=name, storage_quota=GIB))
        assert outcome.resource["_quota"]["hard"]["storage"] == GIB
    read_backs = [q for m, p, q, _b in fake.sent if m == "GET" and p == "/quotas" and "reference_id" in q]
    assert len(read_backs) == 1
    assert [q["hard"]["storage"] for q in fake.quotas.values()] == [GIB] * 3


def test_a_creator_whose_limit_harbor_drops_is_read_back_and_fixed_every_time():
    fake = as_plain_user(ProjectHarbor())
    client = fake.client()
    for name in ("team-a", "team-b"):
        engine.ensure(ProjectAdapter(client), dict(name=name, storage_quota=GIB))
    assert [q["hard"]["storage"] for q in fake.quotas.values()] == [GIB, GIB]
    assert [p for m, p, _q, _b in fake.writes()] == ["/projects", "/quotas/1", "/projects", "/quotas/2"]


def test_an_update_answers_from_what_was_sent():
    fake = ProjectHarbor()
    fake.add_project("team-a", storage=GIB)
    del fake.sent[:]
    updated = run(fake, storage_quota=2 * GIB, auto_scan=True)
    first_write = [s[0] for s in fake.sent].index("PUT")
    assert [s[0] for s in fake.sent[first_write:]] == ["PUT", "PUT"]
    assert updated.resource["_quota"]["hard"]["storage"] == 2 * GIB
    assert updated.resource["metadata"]["auto_scan"] == "true"


def test_paged_parallel_reads_every_item_once_in_order():
    fake = ProjectHarbor()
    for index in range(23):
        fake.add_project("p-%02d" % index)
    del fake.sent[:]
    listed = fake.client().paged_parallel("/projects", workers=4)
    assert [p["name"] for p in listed] == ["p-%02d" % i for i in range(23)]
    sizes = [q["page_size"] for _m, _p, q, _b in fake.sent]
    assert sizes == ["1"] + ["6"] * 4  # one item tells the total, then 4 pages of 6 side by side
    assert fake.client().projects(workers=4) == fake.client().projects()
