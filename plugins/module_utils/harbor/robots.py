# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The robot account adapter for ``ensure`` (module harbor_robot). No Ansible imports.

What users of other Harbor automation hit, and how this adapter avoids it:
- A robot is never replaced to apply a change: description, duration, disable
  and permissions are updated in place (PUT with the full permission list, as
  Harbor replaces it whole), so the secret - and every pull secret made from
  it - survives.
- Names are compared without Harbor's configurable prefix (``robot$`` by
  default): the prefix is read off the server's own answer, so a custom
  prefix causes no diff.
- Permissions compare as sets (order from the server never causes a diff).
- Harbor counts ``duration`` from the robot's creation and a secret refresh
  keeps the old expiry; a rotation here also renews the expiry, by extending
  the duration by the days elapsed since creation.
- Secrets the module sets itself (explicit ``secret``, a rotation, or the
  repair after a create whose answer was lost) are generated here and sent
  as an explicit value, which makes that PATCH safe to repeat.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import random
import re
import string
import time

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import q_value
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    Conflict, Unauthorized, ValidationError,
)

DAY = 86400
SHORTHAND = {"pull": [("repository", "pull")],
             "push": [("repository", "pull"), ("repository", "push")]}
# Harbor's robot name rule (server/v2.0/handler/robot.go validateName).
ROBOT_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# Markers for the secret's state (Harbor never returns a secret, so "secret" compares
# these): the wanted secret, one to replace, or "rotate when due" that is not due yet.
SECRET_DIFFERS = "<differs>"
SECRET_CURRENT = "<current>"
ROTATE = "<rotate when due>"
_ALPHABET = string.ascii_letters + string.digits


def generate_secret(length=32):
    """A random secret that meets Harbor's rule (8-128 chars, upper, lower and a digit)."""
    rng = random.SystemRandom()
    while True:
        value = "".join(rng.choice(_ALPHABET) for dummy in range(length))
        if valid_secret(value):
            return value


def valid_secret(value):
    return bool(8 <= len(value) <= 128 and re.search("[a-z]", value) and re.search("[A-Z]", value)
                and re.search("[0-9]", value))


def canonical_permissions(permissions):
    """Permissions as a sorted list of {kind, namespace, access: sorted [{resource, action}]}."""
    out = []
    for perm in permissions or []:
        access = sorted(set((a["resource"], a["action"]) for a in perm.get("access") or []))
        out.append(dict(kind=perm["kind"], namespace=perm["namespace"],
                        access=[dict(resource=r, action=a) for r, a in access]))
    return sorted(out, key=lambda p: (p["kind"], p["namespace"]))


def desired_permissions(level, project, permissions=None, access=None):
    """The full permission list from either the readable list or the pull/push shorthand."""
    if access is not None:
        if level != "project":
            raise ValidationError("access: %s is a shorthand for project robots; give permissions "
                                  "for a system robot" % access)
        return canonical_permissions([dict(kind="project", namespace=project, access=[
            dict(resource=r, action=a) for r, a in SHORTHAND[access]])])
    if not permissions:
        return None  # not managed; a new robot needs them (see RobotAdapter.create)
    perms = canonical_permissions(permissions)
    if level == "project":
        if len(perms) != 1 or perms[0]["kind"] != "project" or perms[0]["namespace"] != project:
            raise ValidationError("a project robot holds exactly one permission entry, "
                                  "{kind: project, namespace: %s}" % project)
    for perm in perms:
        if perm["kind"] not in ("project", "system"):
            raise ValidationError("permission kind %r: use project or system" % perm["kind"])
        if not perm["access"]:
            raise ValidationError("permission for %s %s has no access entries"
                                  % (perm["kind"], perm["namespace"]))
    return perms


def check_permissions_known(perms, available):
    """Every resource/action must be one Harbor offers (GET /permissions); one error naming all."""
    unknown = []
    for perm in perms:
        offered = set((p["resource"], p["action"]) for p in available.get(perm["kind"]) or [])
        for acc in perm["access"]:
            if (acc["resource"], acc["action"]) not in offered:
                unknown.append("%s %s:%s" % (perm["kind"], acc["resource"], acc["action"]))
    if unknown:
        raise ValidationError(
            "Harbor offers no robot permission %s; GET /api/v2.0/permissions lists what a %s "
            "robot may hold (for example repository:pull, repository:push, artifact:read)"
            % (", ".join(unknown), "/".join(sorted(set(p["kind"] for p in perms)))))


def duration_matches(current, wanted, created_at, now):
    """True when Harbor's ``duration`` (days from creation) satisfies the wanted lifetime.

    A rotation renews the expiry by setting duration = wanted + days elapsed, so a
    longer stored duration is a match as long as it is explained by a renewal that
    lies in the past.
    """
    if current == wanted:
        return True
    if current is None or wanted == -1 or current == -1 or current < wanted:
        return False
    return created_at + (current - wanted) * DAY <= now + DAY


def stored_name(level, project, name):
    """The name Harbor stores (and filters on): ``project+name`` or ``name``, no prefix."""
    return "%s+%s" % (project, name) if level == "project" else name


def list_robots(harbor, level="system", project_id=None, name=None):
    """The robots of a project (by id) or the system robots, all pages; with ``name`` (as
    Harbor stores it, see ``stored_name``) only those Harbor matches to it."""
    query = "Level=project,ProjectID=%d" % project_id if level == "project" else "Level=system"
    if name is not None:
        query += ",name=" + q_value(name)
    return harbor.paged("/robots", params={"q": query})


def robot_prefix(robot, project=None):
    """The name prefix of a robot as Harbor shows it: known for a project robot (what
    stands before ``<project>+``), else up to the first ``$``."""
    name = robot["name"]
    if project and "+" in name:
        head = name.rsplit("+", 1)[0]
        if head.endswith(project):
            return head[:-len(project)]
    return name[:name.index("$") + 1] if "$" in name else ""


class RobotAdapter(Adapter):
    """One robot account, found by level, project and name."""

    kind = "robot"
    secret_fields = ("secret",)
    unordered = ()

    def __init__(self, harbor, level, project=None, rotate="never", rotate_before_days=7,
                 prefix=None, now=time.time, listed=None, trust_secret=False, state="present"):
        self.harbor = harbor
        # state: with "absent", a missing project means there is nothing to remove (not an error).
        self.state = state
        # listed: the project's robots as a caller already read them (the bulk reconcile's list
        # call), used for the first find only. trust_secret: take a given secret as current
        # without logging in (the caller holds it from the Secret that Harbor's answer filled).
        self.listed = listed
        self.trust_secret = trust_secret
        self.level = level
        self.project = project
        self.rotate = rotate
        self.rotate_before_days = rotate_before_days
        self.prefix = prefix
        self.now = now
        self.project_id = None
        self.secret_note = None
        self.wanted_duration = None
        self.current_id = None

    # -- read ------------------------------------------------------------------
    def find(self, desired):
        self.wanted_duration = desired.get("duration")
        name = stored_name(self.level, self.project, desired["name"])
        if self.level == "project" and self.project_id is None:  # looked up once per run
            project = self.harbor.project(self.project)
            if project is None and self.state == "absent":
                return None  # no project, no robot in it: nothing to remove
            if project is None:
                raise ValidationError("project %s not found in Harbor (create it first, for example "
                                      "with berth.platform.harbor_project)" % self.project)
            self.project_id = project["project_id"]
        robots = self.listed
        if robots is None:
            robots = list_robots(self.harbor, self.level, self.project_id, name)
        self.listed = None
        matches = [r for r in robots
                   if r["name"].endswith(name) and self._prefix_ok(r["name"][:-len(name)])]
        if len(matches) > 1:
            raise Conflict("Harbor holds %d robots named %s (%s); remove the extra ones"
                           % (len(matches), name, ", ".join(str(r["id"]) for r in matches)),
                           service="harbor")
        self.current_id = matches[0]["id"] if matches else None
        if not matches:
            return None
        robot = matches[0]
        robot["_prefix"] = robot["name"][:-len(name)]
        robot["_secret_state"] = self._secret_state(robot, desired)
        return robot

    def _prefix_ok(self, prefix):
        if self.prefix is not None:
            return prefix == self.prefix
        return "+" not in prefix  # "robot$" or a custom prefix, never part of another name

    def _secret_state(self, robot, desired):
        wanted = desired.get("secret")
        if wanted is None:
            return None
        if wanted == ROTATE:
            return SECRET_CURRENT if self.rotation_needed(robot) else ROTATE
        expires = robot.get("expires_at")
        if robot.get("disable") or expires not in (None, -1) and expires <= self.now():
            # A disabled or expired robot cannot log in, so its secret cannot be checked.
            return wanted
        if self.trust_secret:
            return wanted
        # Harbor never returns a secret: log in with the wanted one to compare.
        return wanted if self.login_works(robot["name"], wanted) else SECRET_DIFFERS

    def login_works(self, full_name, secret):
        try:
            self.harbor.token_for(full_name, secret)
            return True
        except Unauthorized:
            return False

    def rotation_needed(self, robot):
        if self.rotate == "always":
            return True
        if self.rotate == "before_expiry":
            expires = robot.get("expires_at")
            return expires not in (None, -1) and expires - self.now() < self.rotate_before_days * DAY
        return False

    def normalize(self, current):
        view = robot_view(current, now=self.now())
        if current.get("_secret_state") is not None:
            view["secret"] = current["_secret_state"]
        wanted = self.wanted_duration
        if wanted is not None and duration_matches(view["duration"], wanted,
                                                   _epoch(current.get("creation_time")) or 0, self.now()):
            view["duration"] = wanted  # a longer duration explained by an earlier renewal
        return view

    # -- write -----------------------------------------------------------------
    def preview(self, desired):
        if self.current_id is None:  # check mode of a create
            self._require_permissions(desired)

    def _require_permissions(self, desired):
        if not desired.get("permissions"):
            raise ValidationError("robot %s does not exist yet: creating it needs permissions "
                                  "(or the access: pull|push shorthand)" % desired["name"])

    def create(self, desired):
        self._require_permissions(desired)
        body = dict(name=desired["name"], level=self.level, description=desired.get("description") or "",
                    duration=-1 if desired.get("duration") is None else desired["duration"],
                    disable=bool(desired.get("disable")), permissions=desired["permissions"])
        created = self.harbor.send_json("POST", "/robots", body)
        robot = self._as_created(created, body, desired) or self.find(dict(desired, secret=None)) or created
        explicit = desired.get("secret")
        if explicit not in (None, ROTATE):
            self._set_secret(robot, explicit)
            robot["_secret"] = explicit
        else:
            robot["_secret"] = created["secret"]
        return robot

    def _as_created(self, created, body, desired):
        """The new robot from Harbor's answer (id, full name, times) and what was sent, without
        reading it back (issue 26); None when the answer lacks what a view needs."""
        stored = stored_name(self.level, self.project, desired["name"])
        name = (created or {}).get("name") or ""
        if not (created or {}).get("id") or not name.endswith(stored):
            return None
        robot = dict(body, id=created["id"], name=name, creation_time=created.get("creation_time"),
                     expires_at=created.get("expires_at"), editable=True)
        robot["_prefix"] = name[:-len(stored)]
        self.current_id = created["id"]
        return robot

    def adopt(self, found, desired):
        # The create's answer (with the only copy of the secret) was lost: issue a new one.
        explicit = desired.get("secret")
        secret = explicit if explicit not in (None, ROTATE) else generate_secret()
        self._set_secret(found, secret)
        found["_secret"] = secret
        self.secret_note = ("the create's answer was lost, so the robot was adopted and given a "
                            "new secret (the one Harbor generated could not be read back)")
        return found

    def update(self, current, desired, changes):
        fields = [k for k in changes if k not in ("secret", "name")]
        robot = current
        renew = "secret" in changes and desired.get("secret") == ROTATE
        duration = desired.get("duration") if "duration" in changes else current.get("duration")
        if renew and duration not in (None, -1):
            created = _epoch(current.get("creation_time")) or self.now()
            elapsed = int(math.ceil(max(0, self.now() - created) / float(DAY)))
            duration = (desired.get("duration") or current["duration"]) + elapsed
            fields.append("duration")
        if fields:
            body = dict(name=current["name"], level=current["level"],
                        description=_pick(desired, current, "description", changes) or "",
                        disable=bool(_pick(desired, current, "disable", changes)),
                        duration=duration,
                        permissions=desired["permissions"] if "permissions" in changes
                        else canonical_permissions(current.get("permissions")))
            self.harbor.request("PUT", "/robots/%d" % current["id"], json_body=body)
        if "secret" in changes:
            secret = generate_secret() if renew else desired["secret"]
            self._set_secret(current, secret)
            robot = dict(current)
            robot["_secret"] = secret
        refreshed = self.find(dict(desired, secret=None)) or robot
        if robot.get("_secret"):
            refreshed["_secret"] = robot["_secret"]
        return refreshed

    def _set_secret(self, robot, secret):
        self.harbor.request("PATCH", "/robots/%d" % robot["id"], json_body=dict(secret=secret),
                            idempotent=True)

    def delete(self, current):
        self.harbor.request("DELETE", "/robots/%d" % current["id"])


def _pick(desired, current, key, changes):
    return desired[key] if key in changes else current.get(key)


def _epoch(value):
    """Seconds since the epoch from Harbor's RFC 3339 time (``2026-11-23T19:13:41.043Z``)."""
    if not value:
        return None
    import datetime
    text = re.sub(r"\.\d+", "", value).replace("Z", "+00:00")
    try:
        when = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    offset = text[19:]
    seconds = (when - datetime.datetime(1970, 1, 1)).total_seconds()
    if offset and offset not in ("+00:00", "-00:00"):
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = offset[1:].split(":")
        seconds -= sign * (int(hours) * 3600 + int(minutes) * 60)
    return seconds


def robot_view(robot, now=None):
    """A Harbor robot in the shape the modules take and return (never a secret)."""
    prefix = robot.get("_prefix")
    full = robot["name"]
    short = full[len(prefix):] if prefix is not None else full
    project = None
    if robot.get("level") == "project" and "+" in short:
        project, short = short.split("+", 1)
    expires = robot.get("expires_at")
    now = time.time() if now is None else now
    return dict(
        name=short, full_name=full, id=robot.get("id"), level=robot.get("level"), project=project,
        description=robot.get("description") or "", duration=robot.get("duration"),
        disable=bool(robot.get("disable")), permissions=canonical_permissions(robot.get("permissions")),
        expires_at=expires,
        expires_in_days=None if expires in (None, -1) else round((expires - now) / float(DAY), 2),
        creation_time=robot.get("creation_time"), editable=robot.get("editable", True),
    )
