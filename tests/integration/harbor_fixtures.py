"""Fixtures for the Harbor project and member tests, set up over the raw API (harbor_api) and
removed after. Test modules import the fixtures they use.

Local users exist only while Harbor runs with auth_mode db_auth, and while any exists nobody can
switch Harbor to oidc_auth: run tests that use ``local_user`` under
``flock /tmp/harbor-authmode.lock`` (other test runs switch the auth mode under that lock).
"""

import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from harbor_api import HarborApi

MANY = 105
MIB = 1024 ** 2


def created_id(resp):
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def many_projects(lab):
    """A project ``<prefix>`` and 105 more ``<prefix>-0`` .. ``<prefix>-104``; project i has a quota of
    (i + 1) MiB, ``<prefix>`` one of 1000 MiB. Yields (prefix, {name: storage limit})."""
    api = HarborApi(lab)
    prefix = "it-many-" + uuid.uuid4().hex[:6]
    limits = {prefix: 1000 * MIB}
    limits.update(("%s-%d" % (prefix, i), (i + 1) * MIB) for i in range(MANY))

    def create(item):
        name, limit = item
        api.call("POST", "/projects", json={"project_name": name, "storage_limit": limit,
                                            "metadata": {"public": "false"}})

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(create, sorted(limits.items())))
        yield prefix, limits
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda name: api.delete_project(name, purge=False), sorted(limits)))


def require_db_auth(api):
    mode = api.get("/systeminfo")["auth_mode"]
    if mode != "db_auth":
        pytest.fail("Harbor runs with auth_mode %s: local users need db_auth (run the tests under "
                    "flock /tmp/harbor-authmode.lock)" % mode)


@pytest.fixture
def local_user(lab):
    """A local Harbor user (db_auth), deleted after: {name, id}."""
    api = HarborApi(lab)
    require_db_auth(api)
    name = "it-user-" + uuid.uuid4().hex[:8]
    password = "It1" + secrets.token_urlsafe(12) + "a"
    resp = api.call("POST", "/users", json={"username": name, "email": name + "@example.com",
                                            "realname": "Integration Test", "password": password})
    user_id = created_id(resp)
    try:
        yield dict(name=name, id=user_id)
    finally:
        api.call("DELETE", "/users/%d" % user_id, expect=(200, 404))


def create_group(api, name, group_type=3):
    return created_id(api.call("POST", "/usergroups", json={"group_name": name, "group_type": group_type}))


@pytest.fixture
def project(lab):
    api = HarborApi(lab)
    name = api.create_project("it-member-" + uuid.uuid4().hex[:8])
    yield name
    api.delete_project(name)
