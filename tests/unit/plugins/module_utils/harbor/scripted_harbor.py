"""A small in-process stand-in for the parts of Harbor's API that harbor_config and harbor_user use.

Unit level only: it plays Harbor's documented rules (typed configuration values, the
auth-mode rule, local users only in db_auth, soft-deleted users) behind a requests
transport, so the real HarborClient and adapters run unchanged. The integration tests
grade the same code against the real harbor-core.
"""

import base64
import json
from urllib.parse import parse_qs, unquote, urlparse

import requests
from requests.adapters import BaseAdapter

from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

from swagger_contract import check_request

URL = "https://harbor.test"
ADMIN_PASSWORD = "Harbor12345"

DEFAULT_CONFIG = {
    "auth_mode": "db_auth", "oidc_name": "", "oidc_endpoint": "", "oidc_client_id": "",
    "oidc_groups_claim": "", "oidc_admin_group": "", "oidc_group_filter": "", "oidc_scope": "",
    "oidc_user_claim": "", "oidc_verify_cert": True, "oidc_auto_onboard": False,
    "oidc_extra_redirect_parms": "{}", "oidc_logout": False,
    "project_creation_restriction": "everyone", "self_registration": False,
    "robot_name_prefix": "robot$", "robot_token_duration": 30, "read_only": False,
    "session_timeout": 60, "storage_per_project": -1, "banner_message": "",
    "uaa_client_secret": "uaa-plain-text", "primary_auth_mode": False,
}
NOT_RETURNED = ("oidc_client_secret", "ldap_search_password")


def error(status, message, code="BAD_REQUEST"):
    return status, {"errors": [{"code": code, "message": message}]}, {}


class ScriptedHarbor(BaseAdapter):
    def __init__(self, users=(), config=None, good_endpoints=(), editable=True):
        super().__init__()
        self.config = dict(DEFAULT_CONFIG, **(config or {}))
        self.editable = editable
        self.good_endpoints = set(good_endpoints)
        self.users = {1: dict(user_id=1, username="admin", email="admin@example.com",
                              realname="system admin", comment="admin user", sysadmin_flag=True,
                              deleted=False, password=ADMIN_PASSWORD)}
        self.next_id = 3
        for name in users:
            self.add_user(name)
        self.sent = []
        self.requests = []  # (method, full path, query, body), for the Swagger contract

    # -- state helpers -----------------------------------------------------------
    def add_user(self, name, email=None, password="Passw0rd!", **kw):
        uid = self.next_id
        self.next_id += 1
        self.users[uid] = dict(user_id=uid, username=name, email=email or name + "@example.com",
                               realname=kw.get("realname", name), comment=kw.get("comment", ""),
                               sysadmin_flag=kw.get("sysadmin_flag", False), deleted=False,
                               password=password)
        return uid

    def live_users(self):
        return [u for uid, u in sorted(self.users.items()) if uid > 1 and not u["deleted"]]

    def writes(self):
        return [(m, p) for m, p, _b in self.sent if m != "GET" and p != "/system/oidc/ping"]

    # -- transport -----------------------------------------------------------------
    def send(self, request, **kwargs):
        url = urlparse(request.url)
        path = url.path[len("/api/v2.0"):]
        body = json.loads(request.body) if request.body else None
        check_request(request.method, url.path, dict((k, v[0]) for k, v in parse_qs(url.query).items()), body)
        self.sent.append((request.method, path, body))
        self.requests.append((request.method, url.path,
                              dict((k, v[0]) for k, v in parse_qs(url.query).items()), body))
        status, payload, headers = self.route(request, request.method, path, parse_qs(url.query), body)
        resp = requests.Response()
        resp.status_code = status
        resp._content = b"" if payload is None else json.dumps(payload).encode()
        resp.headers.update(headers)
        resp.request = request
        resp.url = request.url
        return resp

    def close(self):
        pass

    def caller(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        name, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        for user in self.users.values():
            if user["username"] == name and user["password"] == password and not user["deleted"]:
                return user
        return None

    def route(self, request, method, path, query, body):
        caller = self.caller(request)
        if caller is None:
            return error(401, "unauthorized", "UNAUTHORIZED")
        if path == "/users/current" and method == "GET":
            return 200, public(caller), {}
        if caller["user_id"] != 1:
            return error(403, "forbidden", "FORBIDDEN")
        if path == "/configurations":
            return self.configurations(method, body)
        if path == "/system/oidc/ping" and method == "POST":
            if body["url"] in self.good_endpoints:
                return 200, None, {}
            return error(400, "failed to verify connection")
        if path == "/users" and method == "GET":
            return self.list_users(query)
        if path == "/users" and method == "POST":
            return self.create_user(body)
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "users" and parts[2].isdigit():
            return self.user_call(method, int(parts[2]), parts[3] if len(parts) > 3 else None, body)
        return error(404, "not found", "NOT_FOUND")

    def configurations(self, method, body):
        if method == "GET":
            out = dict((k, {"value": v, "editable": self.editable}) for k, v in self.config.items()
                       if k not in NOT_RETURNED)
            out["auth_mode"]["editable"] = self.editable and not self.live_users()
            out["scan_all_policy"] = {}
            return 200, out, {}
        for key, value in body.items():
            if key in self.config and type(value) is not type(self.config[key]):
                return error(422, "%s in body must be of type %s" % (key, type(self.config[key]).__name__),
                             "UNPROCESSABLE_ENTITY")
        if "auth_mode" in body and body["auth_mode"] != self.config["auth_mode"] and self.live_users():
            return error(400, "the auth mode cannot be modified as new users have been inserted into database")
        if not self.editable:
            return error(403, "current config is init by env variable: CONFIG_OVERWRITE_JSON, "
                              "it cannot be updated", "FORBIDDEN")
        self.config.update(body)
        return 200, None, {}

    def list_users(self, query):
        users = self.live_users()
        for clause in (query.get("q") or [""])[0].split(","):
            if "=" in clause:
                key, value = clause.split("=", 1)
                value = unquote(value)  # Harbor decodes q once more (lib/q/builder.go)
                users = [u for u in users if str(u.get(key)) == value]
        return 200, [public(u) for u in users], {"X-Total-Count": str(len(users))}

    def create_user(self, body):
        if self.config["auth_mode"] != "db_auth":
            return error(403, "creating local user is not allowed under auth mode: %s"
                         % self.config["auth_mode"], "FORBIDDEN")
        for user in self.users.values():
            if not user["deleted"] and (user["username"] == body["username"] or user["email"] == body["email"]):
                return error(409, "user %s or email %s already exists" % (body["username"], body["email"]),
                             "CONFLICT")
        uid = self.add_user(body["username"], email=body["email"], password=body["password"],
                            realname=body["realname"], comment=body.get("comment", ""))
        return 201, None, {"Location": "/api/v2.0/users/%d" % uid}

    def user_call(self, method, uid, sub, body):
        user = self.users.get(uid)
        if user is None or user["deleted"]:
            return error(404, "user not found", "NOT_FOUND")
        if method == "DELETE" and sub is None:
            user.update(deleted=True, username="%s#%d" % (user["username"], uid),
                        email="%s#%d" % (user["email"], uid))
            return 200, None, {}
        if method == "PUT" and sub == "sysadmin":
            user["sysadmin_flag"] = body["sysadmin_flag"]
            return 200, None, {}
        if self.config["auth_mode"] != "db_auth":
            return error(403, "User with ID %d can't be updated" % uid, "FORBIDDEN")
        if method == "PUT" and sub is None:
            user.update(email=body["email"], realname=body["realname"], comment=body["comment"])
            return 200, None, {}
        if method == "PUT" and sub == "password":
            if body["new_password"] == user["password"]:
                return error(400, "New password is identical to old password")
            user["password"] = body["new_password"]
            return 200, None, {}
        return error(405, "method not allowed", "METHOD_NOT_ALLOWED")


def public(user):
    return dict((k, v) for k, v in user.items() if k not in ("password", "deleted"))


def client(server):
    session = requests.Session()
    session.mount("https://", server)
    return HarborClient(URL, username="admin", password=ADMIN_PASSWORD, session=session,
                        retry=RetryPolicy(sleep=lambda s: None, rand=lambda: 0))


def login(server):
    """The adapter's ``login`` hook, answered by ``server`` instead of a real Harbor."""
    def check(username, password):
        from ansible_collections.berth.platform.plugins.module_utils.errors import Unauthorized
        session = requests.Session()
        session.mount("https://", server)
        probe = HarborClient(URL, username=username, password=password, session=session)
        try:
            probe.request("GET", "/users/current")
        except Unauthorized:
            return False
        return True
    return check
