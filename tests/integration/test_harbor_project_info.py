"""harbor_project_info against the lab's real Harbor with more than 100 projects (made over the raw
API with a quota each, removed after): every project with its own quota, exact name lookup,
members in harbor_project_member's shape, no secrets in -vvv output."""

import json
import uuid

import pytest

from harbor_api import HarborApi
from harbor_fixtures import create_group, many_projects  # noqa: F401  pylint: disable=unused-import

PROJECT_KEYS = {"name", "project_id", "repo_count", "public", "auto_scan", "auto_sbom_generation",
                "prevent_vul", "severity", "reuse_sys_cve_allowlist", "enable_content_trust",
                "enable_content_trust_cosign", "storage_quota", "storage_used"}


@pytest.fixture
def member_group(lab, many_projects):  # noqa: F811  pylint: disable=redefined-outer-name
    """An OIDC group, developer of ``<prefix>-1``."""
    api = HarborApi(lab)
    prefix, _limits = many_projects
    name = "it-info-" + uuid.uuid4().hex[:8]
    group_id = create_group(api, name, 3)
    api.call("POST", "/projects/%s-1/members" % prefix,
             json={"role_id": 2, "member_group": {"id": group_id}})
    yield name
    api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))


def test_info_reports_every_project_with_its_quota(many_projects, member_group,  # noqa: F811
                                                  run_playbook, lab, tmp_path):
    prefix, limits = many_projects
    api = HarborApi(lab)
    before = all_project_names(api)
    proc = run_playbook("harbor_project_info", verbosity=3, extra_vars={
        "prefix": prefix, "group": member_group, "out_dir": str(tmp_path)})
    assert "failed=0" in proc.stdout
    assert lab["HARBOR_PASSWORD"] not in proc.stdout + proc.stderr
    report = json.loads((tmp_path / "all.json").read_text())
    ours = dict((p["name"], p) for p in report if p["name"] in limits)
    assert set(ours) == set(limits)
    for name, limit in limits.items():
        assert ours[name]["storage_quota"] == limit, name
        assert ours[name]["storage_used"] == 0
        assert ours[name]["public"] is False
    assert all(set(p) == PROJECT_KEYS for p in report)
    # Every project Harbor lists before and after (others create projects meanwhile) is in the
    # report, once.
    names = [p["name"] for p in report]
    assert len(names) == len(set(names))
    stable = before & all_project_names(api)
    assert len(stable) > 100 and stable <= set(names)


def all_project_names(api):
    names, page = set(), 1
    while True:
        batch = api.get("/projects", page=page, page_size=100)
        names.update(p["name"] for p in batch)
        if len(batch) < 100:
            return names
        page += 1
