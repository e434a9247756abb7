"""Shared helpers of the tests that switch Harbor's auth mode or log in through OIDC.

- ``authmode_lock`` and ``harbor_guard``: Harbor's auth mode and users are shared by every test
  against the lab's Harbor; a test holds /tmp/harbor-authmode.lock (inherited from
  ``flock /tmp/harbor-authmode.lock pytest ...``, or taken here) and ``harbor_guard`` puts Harbor
  back into db_auth with the OIDC and system settings it had, the recorded users and groups gone.
- ``harbor_oidc_login``: a real browser login to Harbor through Keycloak (authorization-code flow:
  Harbor's /c/oidc/login, Keycloak's login form, Harbor's callback), scripted with requests.
"""

import contextlib
import fcntl
import html
import os
import re
import secrets
import uuid
from urllib.parse import urljoin

import pytest
import requests

from harbor_api import HarborApi

LOCK = "/tmp/harbor-authmode.lock"
OIDC_KEYS = ("auth_mode", "oidc_name", "oidc_endpoint", "oidc_client_id", "oidc_groups_claim",
             "oidc_admin_group", "oidc_group_filter", "oidc_scope", "oidc_user_claim",
             "oidc_verify_cert", "oidc_auto_onboard", "oidc_extra_redirect_parms", "oidc_logout")
SYSTEM_KEYS = ("project_creation_restriction", "self_registration", "robot_name_prefix",
               "robot_token_duration", "read_only", "session_timeout", "banner_message")


def strong_password():
    return "Pw%sA1" % secrets.token_hex(8)


# -- the shared-Harbor guard ----------------------------------------------------------------
def lock_inherited():
    """True when this process already holds LOCK through a descriptor inherited from flock(1)."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd) == LOCK:
                return True
        except OSError:
            continue
    return False


@contextlib.contextmanager
def holding_authmode_lock():
    if lock_inherited():
        yield
        return
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def authmode_lock():
    with holding_authmode_lock():
        yield


class Guard:
    """What a test created, so the teardown can remove it (users, Harbor user groups)."""

    def __init__(self, api, before):
        self.api = api
        self.before = before
        self.prefix = "it-cfg-" + uuid.uuid4().hex[:8]
        self.usernames = set()
        self.groups = set()

    def users(self):
        return [u for u in self.api.get("/users", page_size=100) or [] if u["user_id"] > 1]

    def user(self, username):
        return [u for u in self.api.get("/users", q="username=" + username, page_size=100) or []
                if u["username"] == username]

    def config(self):
        return self.api.get("/configurations")

    def restore(self):
        for name in sorted(self.usernames):
            for user in self.user(name):
                self.api.call("DELETE", "/users/%d" % user["user_id"], expect=(200, 404))
        for name in sorted(self.groups):
            for group in self.api.get("/usergroups", group_name=name, page_size=100) or []:
                if group["group_name"] == name:
                    self.api.call("DELETE", "/usergroups/%d" % group["id"], expect=(200, 404))
        body = dict((k, self.before[k]["value"]) for k in OIDC_KEYS + SYSTEM_KEYS if k in self.before)
        body["oidc_client_secret"] = ""
        self.api.call("PUT", "/configurations", json=body)


@contextlib.contextmanager
def guarding_harbor(lab):
    """A Guard for the whole block (module-scoped fixtures); take the auth-mode lock first."""
    api = HarborApi(lab)
    before = api.get("/configurations")
    assert before["auth_mode"]["value"] == "db_auth", "Harbor is not in db_auth: another test left it so"
    guard = Guard(api, before)
    try:
        yield guard
    finally:
        guard.restore()
        after = guard.config()
        assert after["auth_mode"]["value"] == "db_auth"
        assert not [u for u in guard.users() if u["username"] in guard.usernames]


@pytest.fixture
def harbor_guard(lab, authmode_lock):
    with guarding_harbor(lab) as guard:
        yield guard


def create_kc_user(kc_admin, user):
    return kc_admin.create_user({
        "username": user["username"], "enabled": True, "email": user["email"], "emailVerified": True,
        "firstName": "Oidc", "lastName": "Tester",
        "credentials": [{"type": "password", "value": user["password"], "temporary": False}]})


def follow(session, url, stop_at):
    """Follow redirects by hand until a page answers, or the Location starts with ``stop_at``."""
    response = session.get(url, allow_redirects=False)
    for _hop in range(15):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303) or not location:
            return response, None
        location = urljoin(response.url, location)
        if location.startswith(stop_at):
            return response, location
        response = session.get(location, allow_redirects=False)
    raise AssertionError("too many redirects")


def harbor_oidc_login(lab, user):
    """A browser login to Harbor through Keycloak: (Harbor's callback response, browser session)."""
    harbor = lab["HARBOR_URL"]
    browser = requests.Session()
    browser.verify = lab["HARBOR_CA_PATH"]
    browser.trust_env = False
    page, dummy = follow(browser, harbor + "/c/oidc/login?redirect_url=%2F", harbor)
    form = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
    assert form, "no Keycloak login form:\n" + page.text[:2000]
    response = browser.post(html.unescape(form.group(1)), allow_redirects=False,
                            data={"username": user["username"], "password": user["password"]})
    assert response.status_code in (302, 303), "login refused:\n" + response.text[:2000]
    callback = urljoin(response.url, response.headers["Location"])
    if not callback.startswith(harbor + "/c/oidc/callback"):
        page, callback = follow(browser, callback, harbor + "/c/oidc/callback")
        assert callback, "Keycloak did not send the browser back to Harbor:\n" + page.text[:2000]
    return browser.get(callback, allow_redirects=False), browser
