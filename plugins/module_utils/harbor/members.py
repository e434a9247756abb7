# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project member adapter for ``ensure`` (module harbor_project_member). No Ansible imports.

A member is a user (by name) or a user group (by name and type) with one role in one
project. What Harbor v2.15.2 does, and what this adapter does about it:

- Role ids (``src/common/const.go``): projectAdmin 1, developer 2, guest 3, maintainer 4,
  limitedGuest 5. ``PUT /projects/{p}/members/{mid}`` stores any role id unchecked, and a
  member with an unknown role drops out of every member list, so roles are checked here
  before anything is sent.
- Group types (``src/common/const.go``): LDAP 1, HTTP 2, OIDC 3.
- ``POST /projects/{p}/members`` with a group name uses an existing user group of that
  name and type; for an unknown group it asks the *current* auth mode to search and
  onboard it: db_auth cannot (404 ``<name> not found``); oidc_auth creates an OIDC group
  whatever type was asked for; http_auth creates an HTTP group only with the auth
  proxy's ``skip_search``; ldap_auth searches LDAP by DN. ``find`` refuses the cases that
  fail or would add a group of another type, before anything is written (check mode too).
- An existing group is added by its id, a known user by user id; Harbor then does no
  lookup of its own.
- ``/users/search`` and ``/usergroups/search`` match with SQL ``LIKE`` (``_`` and ``%``
  are wildcards), ignore ``page`` and return the shortest names first: one page of 100
  holds every exact match, and the results are filtered exactly.
- ``/users/search`` leaves out Harbor's system admin (user id 1, ``admin``) unless some
  other user also matches (its count excludes user id 1 and an empty count returns
  nothing), yet ``POST /projects/{p}/members`` with ``member_user.username: admin``
  resolves it (``userManager.GetByName`` reads the table without that filter) and the
  member list shows it. So ``admin`` is added by name and found in the member list.
- The member list's ``entityname`` filter is exact in v2.15.2 but fuzzy in older
  releases, and a user and a group may share a name: members are matched on
  ``entity_type`` (``u``/``g``), ``entity_name`` and ``entity_id``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import (
    validate_project_name,
)

SERVICE = "harbor"
# In order of power, as the docs list them.
ROLES = (("project-admin", 1), ("maintainer", 4), ("developer", 2), ("guest", 3),
         ("limited-guest", 5))
ROLE_IDS = dict(ROLES)
ROLE_NAMES = dict((rid, name) for name, rid in ROLES)
GROUP_TYPES = (("ldap", 1), ("http", 2), ("oidc", 3))
GROUP_TYPE_IDS = dict(GROUP_TYPES)
GROUP_TYPE_NAMES = dict((tid, name) for name, tid in GROUP_TYPES)
# Harbor onboards an unknown group only through the auth mode of its own kind.
ONBOARDING_AUTH_MODE = {"ldap": "ldap_auth", "http": "http_auth", "oidc": "oidc_auth"}
SEARCH_LIMIT = 100
# Harbor's built-in system admin (user id 1); user names are case-sensitive.
ADMIN_USERNAME = "admin"


def _role_key(value):
    return re.sub(r"[-_ ]", "", str(value)).lower()


def role_id(role):
    """Harbor's id for ``role``: ``project-admin`` etc., or Harbor's own ``projectAdmin``."""
    key = _role_key(role) if role is not None else ""
    for name, rid in ROLES:
        if key and _role_key(name) == key:
            return rid
    raise ValidationError("unknown role %r: use one of %s"
                          % (role, ", ".join(name for name, _rid in ROLES)), service=SERVICE)


def role_name(role):
    """The canonical name (``project-admin``) of a role name in any accepted spelling."""
    return ROLE_NAMES[role_id(role)]


def desired_member(project, role=None, username=None, group=None, group_type="oidc",
                   ldap_group_dn=None, state="present"):
    """The desired member from module input; every input error is raised here, before any request."""
    problems = []
    try:
        validate_project_name(project)
    except ValidationError as exc:
        problems.append(exc.message)
    if (username is None) == (group is None):
        problems.append("set exactly one of username or group")
    if username is not None and not username.strip():
        problems.append("username must not be empty")
    if group is not None and not group.strip():
        problems.append("group must not be empty")
    if group_type not in GROUP_TYPE_IDS:
        problems.append("unknown group_type %r: use one of %s"
                        % (group_type, ", ".join(name for name, _tid in GROUP_TYPES)))
    if ldap_group_dn is not None and (group is None or group_type != "ldap"):
        problems.append("ldap_group_dn needs group and group_type: ldap")
    if role is None and state == "present":
        problems.append("role is required with state: present")
    canonical = None
    if role is not None:
        try:
            canonical = role_name(role)
        except ValidationError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)
    desired = dict(project=project, role=canonical)
    if username is not None:
        desired["username"] = username
    else:
        desired.update(group=group, group_type=group_type, ldap_group_dn=ldap_group_dn)
    return desired


def exact_members(members, entity_type, name, entity_id=None):
    """The members that are exactly this user (``u``) or group (``g``)."""
    return [m for m in members or []
            if m.get("entity_type") == entity_type and m.get("entity_name") == name
            and (entity_id is None or m.get("entity_id") == entity_id)]


def exact_users(found, username):
    return [u for u in found or [] if u.get("username") == username]


def exact_groups(found, name, group_type, ldap_group_dn=None):
    """User groups named exactly ``name`` of ``group_type`` (found by DN when one is given)."""
    type_id = GROUP_TYPE_IDS[group_type]
    return [g for g in found or [] if g.get("group_type") == type_id
            and (g.get("ldap_group_dn") == ldap_group_dn if ldap_group_dn
                 else g.get("group_name") == name)]


def member_view(member, project, group=None):
    """A Harbor member in the shape the module takes; ``group`` is its user group, if known."""
    view = dict(project=project, project_id=member.get("project_id"), member_id=member.get("id"),
                entity_id=member.get("entity_id"),
                role=ROLE_NAMES.get(member.get("role_id"), member.get("role_name")))
    if member.get("entity_type") == "u":
        view["username"] = member.get("entity_name")
    else:
        group = group or {}
        view["group"] = member.get("entity_name")
        view["group_type"] = GROUP_TYPE_NAMES.get(group.get("group_type"))
        view["ldap_group_dn"] = group.get("ldap_group_dn") or None
    return view


def refusal(group_type, group, auth_mode, skip_search=False, ldap_group_dn=None):
    """Why Harbor would not add the unknown group ``group``, or None when it would."""
    needed = ONBOARDING_AUTH_MODE[group_type]
    if auth_mode == needed:
        if group_type == "http" and not skip_search:
            return ("HTTP group %s is not known to Harbor, and Harbor's auth proxy does not search "
                    "groups (http_authproxy_skip_search is off), so Harbor would refuse it" % group)
        if group_type == "ldap" and not ldap_group_dn:
            return ("LDAP group %s is not known to Harbor, and Harbor finds a new LDAP group only "
                    "by its DN: set ldap_group_dn" % group)
        return None
    what = {"oidc": "OIDC", "http": "HTTP", "ldap": "LDAP"}[group_type]
    if auth_mode == "oidc_auth":
        consequence = "it would add an OIDC group of that name instead"
    elif auth_mode == "http_auth":
        consequence = "its auth proxy would add an HTTP group of that name instead, or refuse"
    else:
        consequence = "it refuses (%s cannot look groups up)" % (auth_mode or "db_auth")
    return ("%s group %s is not known to Harbor, and Harbor adds an unknown group only through "
            "the auth mode of its kind (%s); Harbor runs with auth_mode %s, so %s"
            % (what, group, needed, auth_mode or "db_auth", consequence))


def refusal_hint(group_type):
    return ("create the group in Harbor first (Administration > Groups, or POST /api/v2.0/usergroups "
            "with group_type %d), or add it while Harbor runs with auth_mode %s"
            % (GROUP_TYPE_IDS[group_type], ONBOARDING_AUTH_MODE[group_type]))


class MemberAdapter(Adapter):
    """One member of one project, found exactly by user or by group name and type."""

    kind = "member"

    def __init__(self, harbor, state="present"):
        self.harbor = harbor
        self.state = state
        self._system = None
        self.project = None
        self.target = None  # what create sends: ids of a known user or group, else names

    # -- lookups ---------------------------------------------------------------------
    def system_info(self):
        if self._system is None:
            self._system = self.harbor.get_json("/systeminfo") or {}
        return self._system

    def find_user(self, username):
        found = self.harbor.get_json("/users/search", params={"username": username,
                                                              "page_size": SEARCH_LIMIT})
        users = exact_users(found, username)
        return users[0] if users else None

    def find_group(self, name, group_type, ldap_group_dn=None):
        if ldap_group_dn:
            # Only an admin may list groups; Harbor filters by DN only in ldap_auth mode.
            found = self.harbor.paged("/usergroups", params={"ldap_group_dn": ldap_group_dn})
        else:
            found = self.harbor.get_json("/usergroups/search",
                                         params={"groupname": name, "page_size": SEARCH_LIMIT})
        groups = exact_groups(found, name, group_type, ldap_group_dn)
        if len(groups) > 1:
            raise ValidationError("Harbor has %d %s groups named %s; set ldap_group_dn to pick one"
                                  % (len(groups), group_type.upper(), name), service=SERVICE)
        group = groups[0] if groups else None
        if group is not None and ldap_group_dn and group.get("group_name") != name:
            raise ValidationError("LDAP group %s is known to Harbor as %s, not %s: set group: %s"
                                  % (ldap_group_dn, group.get("group_name"), name,
                                     group.get("group_name")), service=SERVICE)
        return group

    def members(self, entity_name):
        return self.harbor.paged("/projects/%d/members" % self.project["project_id"],
                                 params={"entityname": entity_name})

    # -- Adapter ------------------------------------------------------------------------
    def find(self, desired):
        self.project = self.harbor.project(desired["project"])
        self.target = None
        if self.project is None:
            if self.state == "absent":
                return None
            raise ValidationError("project %s not found in Harbor" % desired["project"],
                                  service=SERVICE,
                                  hint="create it first, for example with berth.platform.harbor_project")
        if "username" in desired:
            return self._find_user_member(desired)
        return self._find_group_member(desired)

    def _find_user_member(self, desired):
        username = desired["username"]
        user = self.find_user(username)
        if user is None and username == ADMIN_USERNAME:
            # Not searchable, but Harbor adds it by name; it may be a member already
            # (Harbor makes a project's creator its project admin).
            self.target = dict(member_user=dict(username=username))
            return self._decorated(exact_members(self.members(username), "u", username))
        if user is None:
            if self.state == "present":
                self._check_user_can_be_added(username)
            self.target = dict(member_user=dict(username=username))
            return None
        self.target = dict(member_user=dict(user_id=user["user_id"]))
        found = exact_members(self.members(username), "u", username, user["user_id"])
        return self._decorated(found)

    def _find_group_member(self, desired):
        name, group_type, dn = desired["group"], desired["group_type"], desired.get("ldap_group_dn")
        group = self.find_group(name, group_type, dn)
        if group is None:
            if self.state == "present":
                info = self.system_info()
                reason = refusal(group_type, name, info.get("auth_mode"),
                                 (info.get("authproxy_settings") or {}).get("skip_search", False), dn)
                if reason:
                    raise ValidationError(reason, service=SERVICE, hint=refusal_hint(group_type))
            body = dict(group_name=name, group_type=GROUP_TYPE_IDS[group_type])
            if dn:
                body["ldap_group_dn"] = dn
            self.target = dict(member_group=body)
            return None
        self.target = dict(member_group=dict(id=group["id"]))
        found = exact_members(self.members(group["group_name"]), "g", group["group_name"], group["id"])
        return self._decorated(found, group)

    def _check_user_can_be_added(self, username):
        info = self.system_info()
        mode = info.get("auth_mode") or "db_auth"
        if mode == "ldap_auth" or (mode == "http_auth"
                                   and (info.get("authproxy_settings") or {}).get("skip_search")):
            return  # Harbor searches its directory and onboards the user itself
        if mode == "oidc_auth":
            hint = ("OIDC users exist in Harbor only after their first login; add their group "
                    "instead (group, group_type: oidc)")
        else:
            hint = "create the user first (Administration > Users), or check the spelling"
        if username.lower() == ADMIN_USERNAME:
            hint = ("Harbor's system admin is named %s: user names are case-sensitive"
                    % ADMIN_USERNAME)
        raise ValidationError("user %s not found in Harbor (auth_mode %s)" % (username, mode),
                              service=SERVICE, hint=hint)

    def _decorated(self, found, group=None):
        if not found:
            return None
        member = dict(found[0])
        member["_project"] = self.project["name"]
        member["_group"] = group
        return member

    def normalize(self, current):
        return member_view(current, current["_project"], current.get("_group"))

    def create(self, desired):
        body = dict(role_id=role_id(desired["role"]))
        body.update(self.target)
        self.harbor.request("POST", "/projects/%d/members" % self.project["project_id"],
                            json_body=body)
        return self.find(desired)

    def update(self, current, desired, changes):
        if changes != ["role"]:  # identity keys match by construction
            raise ValidationError("only the role of a member can change, not %s"
                                  % ", ".join(c for c in changes if c != "role"), service=SERVICE)
        self.harbor.request("PUT", "/projects/%d/members/%d" % (current["project_id"], current["id"]),
                            json_body=dict(role_id=role_id(desired["role"])))
        return self.find(desired)

    def delete(self, current):
        self.harbor.request("DELETE", "/projects/%d/members/%d" % (current["project_id"], current["id"]))
