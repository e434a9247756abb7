"""An in-memory Harbor behind a requests transport adapter, for unit tests of the Harbor adapters.

It answers only the calls the project, member and info code makes, the way Harbor v2.15.2
does (paging with X-Total-Count; /users/search and /usergroups/search as SQL LIKE that
ignores ``page``); ``fuzzy_entityname`` makes the member list's ``entityname`` filter fuzzy
like older Harbor releases. Every request is recorded in ``sent`` as (method, path, query, body).
"""

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

from swagger_contract import check_request

ROLE_NAMES = {1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}


def like(pattern, value):
    """SQL LIKE '%pattern%' with Harbor's unescaped _ and % wildcards."""
    regex = "".join("." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern)
    return re.search(regex, value) is not None


class FakeHarbor(BaseAdapter):
    def __init__(self, auth_mode="db_auth", fuzzy_entityname=False, skip_search=False):
        super().__init__()
        self.auth_mode = auth_mode
        self.skip_search = skip_search
        self.fuzzy_entityname = fuzzy_entityname
        self.projects = {}   # id -> project
        self.quotas = {}     # id -> quota
        self.users = {1: {"user_id": 1, "username": "admin"}}
        self.groups = {}     # id -> group
        self.members = {}    # id -> member row {id, project_id, entity_id, entity_type, role_id}
        self.sent = []
        self.forbidden = set()  # paths answered with 403, as for an account without the permission
        self._ids = {"project": 0, "quota": 0, "user": 1, "group": 0, "member": 0}

    # -- setup -------------------------------------------------------------------------
    def _next(self, kind):
        self._ids[kind] += 1
        return self._ids[kind]

    def add_project(self, name, storage=-1, used=0, **metadata):
        pid = self._next("project")
        meta = {"public": "false"}
        meta.update(metadata)
        self.projects[pid] = {"project_id": pid, "name": name, "metadata": meta, "repo_count": 0}
        qid = self._next("quota")
        self.quotas[qid] = {"id": qid, "ref": {"id": pid, "name": name},
                            "hard": {"storage": storage}, "used": {"storage": used}}
        self.add_member(pid, "u", 1, 1)
        return pid

    def add_user(self, username):
        uid = self._next("user")
        self.users[uid] = {"user_id": uid, "username": username}
        return uid

    def add_group(self, name, group_type, ldap_group_dn=""):
        gid = self._next("group")
        self.groups[gid] = {"id": gid, "group_name": name, "group_type": group_type,
                            "ldap_group_dn": ldap_group_dn}
        return gid

    def add_member(self, project_id, entity_type, entity_id, role_id):
        mid = self._next("member")
        self.members[mid] = {"id": mid, "project_id": project_id, "entity_type": entity_type,
                             "entity_id": entity_id, "role_id": role_id}
        return mid

    def writes(self):
        return [s for s in self.sent if s[0] != "GET"]

    def client(self):
        session = requests.Session()
        session.mount("https://", self)
        return HarborClient("https://harbor.test", username="admin", password="pw", session=session,
                            retry=RetryPolicy(sleep=lambda s: None, rand=lambda: 0))

    # -- transport ---------------------------------------------------------------------
    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path[len("/api/v2.0"):]
        query = dict((k, v[0]) for k, v in parse_qs(url.query).items())
        body = json.loads(request.body) if request.body else None
        check_request(request.method, url.path, query, body)
        self.sent.append((request.method, path, query, body))
        status, payload, headers = self.route(request.method, path, query, body, request.headers)
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(payload).encode() if payload is not None else b""
        resp.headers.update(headers or {})
        resp.request = request
        resp.url = request.url
        return resp

    def close(self):
        pass

    @staticmethod
    def page(items, query):
        size = int(query.get("page_size", 10))
        number = int(query.get("page", 1))
        return 200, items[(number - 1) * size:number * size], {"X-Total-Count": str(len(items))}

    @staticmethod
    def error(status, message):
        return status, {"errors": [{"code": str(status), "message": message}]}, {}

    def member_out(self, row):
        if row["entity_type"] == "u":
            name = self.users[row["entity_id"]]["username"]
        else:
            name = self.groups[row["entity_id"]]["group_name"]
        return dict(row, entity_name=name, role_name=ROLE_NAMES.get(row["role_id"]))

    def project_by(self, key):
        for p in self.projects.values():
            if p["name"] == key or str(p["project_id"]) == key:
                return p
        return None

    def route(self, method, path, query, body, headers):  # noqa: C901 - one switch, easy to read
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if path in self.forbidden:
            return self.error(403, "forbidden")
        if method == "GET" and parts == ["systeminfo"]:
            info = {"auth_mode": self.auth_mode}
            if self.auth_mode == "http_auth":
                info["authproxy_settings"] = {"skip_search": self.skip_search}
            return 200, info, {}
        if method == "GET" and parts == ["projects"]:
            return self.page(sorted(self.projects.values(), key=lambda p: p["project_id"]), query)
        if method == "GET" and parts == ["quotas"]:
            quotas = sorted(self.quotas.values(), key=lambda q: q["id"])
            if "reference_id" in query:
                quotas = [q for q in quotas if str(q["ref"]["id"]) == query["reference_id"]]
            return self.page(quotas, query)
        if method == "GET" and parts == ["users", "search"]:
            found = sorted((u for u in self.users.values() if like(query["username"], u["username"])),
                           key=lambda u: (len(u["username"]), u["username"]))
            return 200, found[:int(query.get("page_size", 10))], {"X-Total-Count": str(len(found))}
        if method == "GET" and parts == ["usergroups", "search"]:
            found = sorted((g for g in self.groups.values() if like(query["groupname"], g["group_name"])),
                           key=lambda g: (len(g["group_name"]), g["group_name"]))
            found = [dict((k, g[k]) for k in ("id", "group_name", "group_type")) for g in found]
            return 200, found[:int(query.get("page_size", 10))], {"X-Total-Count": str(len(found))}
        if method == "GET" and parts == ["usergroups"]:
            return self.page(sorted(self.groups.values(), key=lambda g: g["id"]), query)
        if parts[0] == "projects" and len(parts) >= 2:
            project = self.project_by(parts[1])
            if project is None:
                return self.error(404, "project %s not found" % parts[1])
            if method == "GET" and len(parts) == 2:
                return 200, project, {}
            if parts[2:3] == ["members"]:
                return self.route_members(method, project, parts[3:], query, body)
        return self.error(404, "no route for %s %s in the fake" % (method, path))

    def route_members(self, method, project, rest, query, body):
        pid = project["project_id"]
        if method == "GET" and not rest:
            rows = [self.member_out(m) for m in self.members.values()
                    if m["project_id"] == pid and m["role_id"] in ROLE_NAMES]
            name = query.get("entityname")
            if name:
                rows = [m for m in rows if (name in m["entity_name"] if self.fuzzy_entityname
                                            else m["entity_name"] == name)]
            total = len([m for m in self.members.values() if m["project_id"] == pid])
            status, items, _h = self.page(sorted(rows, key=lambda m: m["entity_name"]), query)
            return status, items, {"X-Total-Count": str(total)}
        if method == "POST" and not rest:
            return self.create_member(pid, body)
        mid = int(rest[0])
        if mid not in self.members:
            return self.error(404, "member %d not found" % mid)
        if method == "PUT":
            self.members[mid]["role_id"] = body["role_id"]  # unchecked, like Harbor
            return 200, None, {}
        if method == "DELETE":
            del self.members[mid]
            return 200, None, {}
        return self.error(405, "method not allowed")

    def create_member(self, pid, body):
        user, group = body.get("member_user") or {}, body.get("member_group") or {}
        if user.get("user_id"):
            kind, eid = "u", user["user_id"]
        elif group.get("id"):
            kind, eid = "g", group["id"]
        elif user.get("username"):
            hits = [u for u in self.users.values() if u["username"] == user["username"]]
            if not hits:
                return self.error(404, "user %s is not found" % user["username"])
            kind, eid = "u", hits[0]["user_id"]
        else:
            hits = [g for g in self.groups.values()
                    if g["group_name"] == group.get("group_name") and g["group_type"] == group.get("group_type")]
            if hits:
                eid = hits[0]["id"]
            elif self.auth_mode == "oidc_auth":  # Harbor onboards an OIDC group, whatever was asked
                eid = self.add_group(group["group_name"], 3)
            else:
                return self.error(404, "%s not found: not supported" % group.get("group_name"))
            kind = "g"
        if any(m["project_id"] == pid and m["entity_type"] == kind and m["entity_id"] == eid
               for m in self.members.values()):
            return self.error(409, "The project member specified already exist")
        mid = self.add_member(pid, kind, eid, body["role_id"])
        return 201, None, {"Location": "/api/v2.0/projects/%d/members/%d" % (pid, mid)}
