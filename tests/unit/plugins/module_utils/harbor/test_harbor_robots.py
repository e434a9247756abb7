"""harbor_robot's input checks and a missing project (issue 24): rotate_before_days without
rotate: before_expiry is refused before any request; state: absent in a project that does not
exist is nothing to do, not an error."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils import ensure as engine
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.robots import RobotAdapter
from ansible_collections.berth.platform.plugins.modules.harbor_robot import ARGUMENT_SPEC, desired_robot

from harbor_fake import FakeHarbor


def params(**kw):
    out = dict((k, v.get("default")) for k, v in ARGUMENT_SPEC.items())
    out.update(project="team-a", name="ci", access="push")
    out.update(kw)
    return out


@pytest.mark.parametrize("rotate", ["never", "always"])
def test_rotate_before_days_without_before_expiry_is_refused(rotate):
    with pytest.raises(ValidationError) as info:
        desired_robot(params(rotate=rotate, rotate_before_days=3))
    text = str(info.value)
    assert "rotate_before_days applies only with rotate: before_expiry (rotate is %s)" % rotate in text
    assert "leave rotate_before_days out" in text


def test_rotate_before_days_with_before_expiry_or_left_out_is_fine():
    assert desired_robot(params(rotate="before_expiry", rotate_before_days=3))["secret"] is not None
    assert desired_robot(params(rotate="before_expiry"))["name"] == "ci"
    assert desired_robot(params())["secret"] is None
    with pytest.raises(ValidationError, match="rotate_before_days must be 0 or more"):
        desired_robot(params(rotate="before_expiry", rotate_before_days=-1))


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent_in_a_missing_project_is_nothing_to_do(check_mode):
    fake = FakeHarbor()
    adapter = RobotAdapter(fake.client(), "project", project="team-gone", state="absent")
    outcome = engine.ensure(adapter, desired_robot(params(project="team-gone", state="absent")),
                            state="absent", check_mode=check_mode)
    assert outcome.action == "none" and not outcome.changed
    assert fake.writes() == [] and [s[1] for s in fake.sent] == ["/projects/team-gone"]


def test_present_in_a_missing_project_still_says_create_it_first():
    adapter = RobotAdapter(FakeHarbor().client(), "project", project="team-gone")
    with pytest.raises(ValidationError, match="project team-gone not found in Harbor .create it first"):
        engine.ensure(adapter, desired_robot(params(project="team-gone")))


class RobotHarbor(FakeHarbor):
    """FakeHarbor plus project robots: POST /robots answers as Harbor does (id, name with the
    prefix, secret, times); GET /robots lists them."""

    def __init__(self):
        super().__init__()
        self.robots = []

    def route(self, method, path, query, body, headers):
        if method == "POST" and path == "/robots":
            full_name = "robot$%s+%s" % (body["permissions"][0]["namespace"], body["name"])
            robot = dict(body, id=len(self.robots) + 1, name=full_name, creation_time="2026-12-07T10:00:00.000Z",
                         expires_at=-1, editable=True)
            self.robots.append(robot)
            answer = dict((k, robot[k]) for k in ("id", "name", "creation_time", "expires_at"))
            answer["secret"] = "Harbor0Made1It"
            return 201, answer, {"Location": "/api/v2.0/robots/%d" % robot["id"]}
        if method == "GET" and path == "/robots":
            return self.page(self.robots, query)
        return super(RobotHarbor, self).route(method, path, query, body, headers)


def test_a_new_robot_is_answered_from_harbors_answer_not_read_back():
    fake = RobotHarbor()
    fake.add_project("team-a")
    desired = desired_robot(params(description="ci pushes"))
    outcome = engine.ensure(RobotAdapter(fake.client(), "project", project="team-a"), desired)
    assert [s[:2] for s in fake.sent[-1:]] == [("POST", "/robots")]  # nothing read after the create
    view = RobotAdapter(None, "project", project="team-a").normalize(outcome.resource)
    assert view["name"] == "ci" and view["full_name"] == "robot$team-a+ci" and view["id"] == 1
    assert view["permissions"] == desired["permissions"] and view["description"] == "ci pushes"
    assert outcome.resource["_secret"] == "Harbor0Made1It"
    rerun = engine.ensure(RobotAdapter(fake.client(), "project", project="team-a"), dict(desired, secret=None))
    assert rerun.action == "none"  # what the create answered is what Harbor holds
