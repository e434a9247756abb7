# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way into Harbor's REST API v2.0. No Ansible imports.

- Basic auth (admin, a user, or a robot ``robot$name``), TLS on by default and
  no cookies (Harbor checks CSRF once a session cookie comes back), from
  ``HttpClient``.
- Lists are read page by page (``page``/``page_size=100``, until a short page
  or ``X-Total-Count``): never assume fewer than 100 items. The whole-Harbor lists
  (projects, quotas) read their pages side by side (``paged_parallel``).
- Lookups by name are exact: ``GET /projects?name=`` matches fuzzily, so the
  result is filtered; robots and users are queried with ``q=name=...`` (values
  escaped, see ``q_value``).
- Harbor's ``{"errors": [{"code", "message"}]}`` becomes the server message of
  the typed error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import threading
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urllib import quote

from ansible_collections.berth.platform.plugins.module_utils.errors import Forbidden, NotFound
from ansible_collections.berth.platform.plugins.module_utils.http_client import HttpClient

API_PATH = "/api/v2.0"
PAGE_SIZE = 100
_CREDENTIALS_HINT = ("check harbor_username/harbor_password (a robot's name includes its prefix, "
                     "for example robot$automation)")


def path_segment(value):
    """``value`` quoted for one path segment (``/`` included)."""
    return quote(str(value), safe="")


def q_value(value):
    """A value for Harbor's ``q=`` filter. Harbor URL-decodes ``q`` once more after the
    query string is parsed (lib/q/builder.go), so a ``+`` (robot names, e-mail
    addresses) would turn into a space: the value is escaped here first."""
    return quote(str(value), safe="")


def repository_segment(name):
    """A repository name inside a project path: Harbor wants ``/`` encoded twice."""
    return quote(quote(name, safe=""), safe="")


class HarborClient(HttpClient):
    """Harbor API v2.0 client; ``base_url`` is Harbor's external URL."""

    service = "harbor"

    def __init__(self, url, username=None, password=None, **kwargs):
        auth = (username, password) if username else None
        super(HarborClient, self).__init__(url.rstrip("/") + API_PATH, auth=auth, **kwargs)
        self.harbor_url = url.rstrip("/")
        self.username = username
        self.requests_sent = 0
        self._answers = {}
        self._answers_lock = threading.Lock()

    def once(self, key, compute):
        """``compute()``'s answer, computed by the first caller of ``key`` (from any thread; the
        others wait for it) and kept for the client's life: a setting or a permission that every
        team of a bulk run would otherwise ask for again. An error is not kept."""
        with self._answers_lock:
            if key not in self._answers:
                self._answers[key] = compute()
            return self._answers[key]

    @classmethod
    def from_params(cls, params):
        """A client from the harbor connection options of a module."""
        return cls(params["harbor_url"], username=params.get("harbor_username"),
                   password=params.get("harbor_password"),
                   validate_certs=params.get("validate_certs", True),
                   ca_path=params.get("ca_path"), timeout=params.get("timeout") or 30)

    # -- HttpClient hooks --------------------------------------------------------
    def server_message(self, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
            return "; ".join(str(e.get("message") or e.get("code")) for e in body["errors"]
                             if isinstance(e, dict))
        return super(HarborClient, self).server_message(response)

    def hint_for(self, status, method, path):
        if status == 401:
            return _CREDENTIALS_HINT
        if status == 403:
            return ("the account lacks the permission; use an admin or a system robot "
                    "with the needed access")
        return None

    def request(self, method, path, **kwargs):
        self.requests_sent += 1
        return super(HarborClient, self).request(method, path, **kwargs)

    # -- reading -------------------------------------------------------------------
    def get_or_none(self, path, params=None, headers=None):
        """The decoded body of ``GET path``, or None on 404."""
        try:
            response = self.request("GET", path, params=params, headers=headers)
        except NotFound:
            return None
        return response.json() if response.content else None

    def paged(self, path, params=None):
        """Every item of a paged list."""
        items = []
        page = 1
        while True:
            query = dict(params or {}, page=page, page_size=PAGE_SIZE)
            response = self.request("GET", path, params=query)
            batch = (response.json() if response.content else None) or []
            items.extend(batch)
            total = response.headers.get("X-Total-Count")
            complete = total is not None and total.isdigit() and len(items) >= int(total)
            if len(batch) < PAGE_SIZE or complete:
                return items
            page += 1

    def paged_parallel(self, path, params=None, workers=8):
        """Every item of a paged list, its pages read ``workers`` at a time.

        Harbor spends a fixed wait on each item of some lists - listing quotas loads each
        quota's project through a dataloader that waits 16 ms per item, so a page of 100
        quotas takes 1.6 s on an idle Harbor - and pages read side by side overlap those
        waits. One request of one item tells the total; the rest is split into ``workers``
        pages (at most 100 items each). A page that comes back full at the end means items
        were added meanwhile: the rest is read on, page by page. One worker: ``paged``."""
        if workers <= 1:
            return self.paged(path, params)
        first = self.request("GET", path, params=dict(params or {}, page=1, page_size=1))
        batch = (first.json() if first.content else None) or []
        total = first.headers.get("X-Total-Count")
        if total is None or not total.isdigit():
            return self.paged(path, params)
        total = int(total)
        if total <= len(batch):
            return batch
        size = min(PAGE_SIZE, max(1, int(math.ceil(total / float(workers)))))
        pages = int(math.ceil(total / float(size)))

        def page(number):
            response = self.request("GET", path, params=dict(params or {}, page=number, page_size=size))
            return (response.json() if response.content else None) or []

        with ThreadPoolExecutor(max_workers=min(workers, pages)) as pool:
            batches = list(pool.map(page, range(1, pages + 1)))
        number = pages
        while len(batches[-1]) == size:  # grown while read: go on sequentially
            number += 1
            batches.append(page(number))
        return [item for each in batches for item in each]

    def created_id(self, response):
        """The id at the end of a 201's ``Location`` header (Harbor returns no body)."""
        location = response.headers.get("Location") or ""
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None

    # -- projects ------------------------------------------------------------------
    def project(self, name):
        """The project named exactly ``name``, or None.

        Harbor answers 403 rather than 404 to a robot asking for a project that does
        not exist; the list (``?name=`` matches fuzzily, so filter) answers both.
        """
        try:
            return self.get_or_none("/projects/" + path_segment(name),
                                    headers={"X-Is-Resource-Name": "true"})
        except Forbidden:
            found = [p for p in self.paged("/projects", params={"name": name}) if p["name"] == name]
            return found[0] if found else None

    def projects(self, workers=1):
        return self.paged_parallel("/projects", params={"with_detail": "true"}, workers=workers)

    def project_repositories(self, name):
        return self.paged("/projects/%s/repositories" % path_segment(name))

    def project_quota(self, project_id):
        quotas = self.paged("/quotas", params={"reference": "project",
                                               "reference_id": str(project_id)})
        return quotas[0] if quotas else None

    def quotas(self, workers=1):
        return self.paged_parallel("/quotas", params={"reference": "project"}, workers=workers)

    # -- users -----------------------------------------------------------------------
    def users_where(self, **query):
        """Users whose fields equal ``query`` exactly (``q=`` is fuzzy, so filter)."""
        q = ",".join("%s=%s" % (k, q_value(v)) for k, v in sorted(query.items()))
        return [u for u in self.paged("/users", params={"q": q})
                if all(str(u.get(k, "")).lower() == str(v).lower() for k, v in query.items())]

    def token_for(self, username, secret):
        """Log in as ``username`` at Harbor's registry token service (what docker does);
        raises Unauthorized when Harbor refuses the credentials."""
        self.request("GET", self.harbor_url + "/service/token", params={"service": "harbor-registry"},
                     auth=(username, secret))

    def permissions(self):
        """What robots may hold ({"system": [...], "project": [...]}), or None when this
        account may not ask (Harbor shows it to admins only; it still validates writes)."""
        try:
            return self.get_json("/permissions") or {}
        except Forbidden:
            return None

    # -- configuration -----------------------------------------------------------------
    def configurations(self):
        return self.get_json("/configurations") or {}
