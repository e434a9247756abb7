# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor users for ``ensure`` (module harbor_user). No Ansible imports.

Users are found by exact ``username`` or ``email`` (``HarborClient.users_where``).
``GET /users`` never lists the built-in admin (user id 1) nor removed users: Harbor
only marks a removed user deleted and renames it ``name#id``, so the name and email
are free again at once.

Local users can only be created (and their profile or password changed) while
Harbor is in ``db_auth`` (server/v2.0/handler/user.go ``requireCreatable`` /
``requireModifiable``); the adapter says so before writing. Removal and the admin
flag work in every mode; removing an OIDC user also removes its OIDC link
(controller/user ``Delete``), which is how a user whose subject or issuer changed at
the identity provider gets onboarded again.

The password is write-only and a secret field: Harbor never returns it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter, changed_keys
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    Conflict, NotFound, Unauthorized, ValidationError,
)

SERVICE = "harbor"
UPDATE_ALWAYS = "always"
UPDATE_ON_CREATE = "on_create"
PROFILE = ("email", "realname", "comment")
# Harbor's rules, server/v2.0/handler/user.go validateUserProfile / requireValidSecret and
# common/const.go IllegalCharsInUsername.
ILLEGAL_CHARS = ',"~#%$'
EMAIL = re.compile(
    r'^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@'
    r'((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$')
PASSWORD_RULE = ("Harbor wants 8 to 128 characters with at least one upper-case letter, "
                 "one lower-case letter and one digit")
BUILTIN_ADMIN = "admin"


def password_problem(password):
    """Why Harbor would refuse ``password``, or None."""
    if not (8 <= len(password) <= 128 and re.search(r"[a-z]", password)
            and re.search(r"[A-Z]", password) and re.search(r"[0-9]", password)):
        return "password: " + PASSWORD_RULE
    return None


def validate_input(desired, state="present"):
    """Checks that need no server; every problem in one message."""
    problems = []
    username, email = desired.get("username"), desired.get("email")
    if state == "absent":
        if bool(username) == bool(email):
            problems.append("state absent removes one user: give exactly one of username or email")
    elif not username:
        problems.append("username is required")
    if username is not None:
        if username == BUILTIN_ADMIN:
            problems.append("the built-in admin (user id 1) is not managed by this module")
        if not 1 <= len(username) <= 255:
            problems.append("username must be 1 to 255 characters")
        if any(c in ILLEGAL_CHARS for c in username):
            problems.append("username must not contain any of %s" % ILLEGAL_CHARS)
    if state == "present":
        if email is not None and (len(email) > 255 or not EMAIL.match(email)):
            problems.append("email %r is not an address Harbor accepts" % email)
        realname = desired.get("realname")
        if realname is not None:
            if not 1 <= len(realname) <= 255:
                problems.append("realname must be 1 to 255 characters")
            if any(c in ILLEGAL_CHARS for c in realname):
                problems.append("realname must not contain any of %s" % ILLEGAL_CHARS)
        comment = desired.get("comment")
        if comment is not None and len(comment) > 30:
            problems.append("comment must be at most 30 characters (Harbor's limit)")
        if desired.get("password") is not None:
            problem = password_problem(desired["password"])
            if problem:
                problems.append(problem)
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)


def user_view(user):
    """A Harbor user (``UserResp``) in the module's shape; never a password."""
    return dict(username=user.get("username"), email=user.get("email") or "",
                realname=user.get("realname") or "", comment=user.get("comment") or "",
                admin=bool(user.get("sysadmin_flag")), user_id=user.get("user_id"))


def default_login(harbor):
    """``login(username, password)``: does Harbor accept these credentials (basic auth)?"""
    def login(username, password):
        from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
        verify = harbor.verify
        probe = HarborClient(harbor.harbor_url, username=username, password=password,
                             validate_certs=verify is not False,
                             ca_path=verify if isinstance(verify, str) else None,
                             timeout=harbor.timeout)
        try:
            probe.request("GET", "/users/current")
        except Unauthorized:
            return False
        return True
    return login


class UserAdapter(Adapter):
    """One Harbor user, found by exact ``username`` (or ``email`` for removal)."""

    kind = "user"
    secret_fields = ("password",)

    def __init__(self, harbor, state="present", update_password=UPDATE_ON_CREATE, login=None):
        self.harbor = harbor
        self.state = state
        self.update_password = update_password
        self.login = login or default_login(harbor)
        self.auth_mode = None
        self.found = None

    # -- read ------------------------------------------------------------------
    def lookup(self, desired):
        key = "username" if desired.get("username") else "email"
        found = self.harbor.users_where(**{key: desired[key]})
        if len(found) > 1:  # pragma: no cover - Harbor keeps both unique
            raise Conflict("%d Harbor users have %s %s" % (len(found), key, desired[key]),
                           service=SERVICE, method="GET", path="/users")
        return found[0] if found else None

    def find(self, desired):
        """The user, with everything Harbor would refuse settled before any write
        (check mode included)."""
        user = self.found = self.lookup(desired)
        if self.state == "absent":
            if user is not None:  # so the diff and check mode say who goes
                desired["username"] = user.get("username")
                desired["email"] = user.get("email") or ""
            return user
        self.auth_mode = (self.harbor.configurations().get("auth_mode") or {}).get("value")
        if user is None:
            self._require_creatable(desired)
            return None
        self._decide_password(desired, user)
        changes = changed_keys(self.normalize(user), desired)
        blocked = [k for k in changes if k in PROFILE + ("password",)]
        if blocked and self.auth_mode != "db_auth":
            raise Conflict(
                "Harbor lets only db_auth change a user's %s; it is in %s, so user %s can only "
                "have its admin flag changed or be removed; nothing was written"
                % (", ".join(blocked), self.auth_mode, user.get("username")),
                service=SERVICE, method="PUT", path="/users/%s" % user.get("user_id"),
                hint="leave %s unset for this user" % ", ".join(blocked))
        return user

    def _require_creatable(self, desired):
        if self.auth_mode != "db_auth":
            raise Conflict(
                "Harbor creates local users only in db_auth; it is in %s, so user %s cannot be "
                "created (users of %s are created at their first login); nothing was written"
                % (self.auth_mode, desired["username"], self.auth_mode),
                service=SERVICE, method="POST", path="/users")
        missing = [k for k in ("email", "password") if not desired.get(k)]
        if missing:
            raise ValidationError("creating user %s needs %s" % (desired["username"], " and ".join(missing)),
                                  service=SERVICE)

    def _decide_password(self, desired, user):
        """Harbor never returns a password: with ``on_create`` an existing user's password is
        left alone; with ``always`` it is written when Harbor does not accept it as the
        user's current one (a login as the user decides), so reruns stay unchanged."""
        wanted = desired.get("password")
        if wanted is None:
            return
        if self.update_password != UPDATE_ALWAYS:
            desired["password"] = None
        elif self.auth_mode == "db_auth" and self.login(user["username"], wanted):
            desired["password"] = None

    def normalize(self, current):
        return user_view(current)

    # -- write -----------------------------------------------------------------
    def create(self, desired):
        self._require_creatable(desired)
        body = dict(username=desired["username"], email=desired["email"],
                    realname=desired.get("realname") or desired["username"],
                    password=desired["password"], comment=desired.get("comment") or "")
        response = self.harbor.request("POST", "/users", json_body=body)
        user_id = self.harbor.created_id(response)
        if desired.get("admin"):
            if user_id is None:
                user_id = self._required(desired)["user_id"]
            self.harbor.request("PUT", "/users/%d/sysadmin" % user_id,
                                json_body=dict(sysadmin_flag=True))
        return self._required(desired)

    def update(self, current, desired, changes):
        user_id = current["user_id"]
        if any(k in changes for k in PROFILE):
            profile = dict((k, desired[k] if k in changes else current.get(k) or "") for k in PROFILE)
            self.harbor.request("PUT", "/users/%d" % user_id, json_body=profile)
        if "admin" in changes:
            self.harbor.request("PUT", "/users/%d/sysadmin" % user_id,
                                json_body=dict(sysadmin_flag=bool(desired["admin"])))
        if "password" in changes:
            self.harbor.request("PUT", "/users/%d/password" % user_id,
                                json_body=dict(new_password=desired["password"]))
        return self._required(desired)

    def delete(self, current):
        self.harbor.request("DELETE", "/users/%d" % current["user_id"])

    def _required(self, desired):
        user = self.lookup(desired)
        if user is None:
            raise NotFound("user %s not found after writing it" % desired["username"],
                           service=SERVICE, method="GET", path="/users")
        return user
