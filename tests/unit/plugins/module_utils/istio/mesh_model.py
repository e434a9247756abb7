"""A reading of Istio's documented request semantics, to judge generated policies.

Not a mesh: it answers "does this request get through, and to which workload?" from
the fields of the objects istio_harbor_security builds, following Istio's reference docs:
- routing: a Gateway-bound VirtualService picks the first http route whose match
  fits (uri ``exact`` or ``prefix`` against the path without its query string, after
  Istio's default path normalization removed ``.``/``..`` segments), in order; a route
  either forwards to a Service host (which must exist: the chart's Services for the
  release) or answers itself (``directResponse``);
- RequestAuthentication (selector -> workloads): a token found in one of a rule's
  locations (default ``Authorization: Bearer`` and ``?access_token``; else
  ``fromHeaders``) must come from a configured issuer and be valid, otherwise the
  request is rejected (401 "Jwt issuer is not configured"); no token, no principal;
- AuthorizationPolicy: DENY first; with no ALLOW policy selecting the workload
  everything is allowed, else one ALLOW rule must match (``requestPrincipals: ["*"]``
  needs an authenticated principal; ``paths`` must match);
- PeerAuthentication STRICT: plaintext to the workload (port) is refused; sidecars
  send mTLS only to hosts the mesh knows (a Service, or a ServiceEntry plus a mesh
  VirtualService for that host and port); an unknown Host goes to PassthroughCluster
  in plaintext.

The workloads are the official chart's for one release (``Mesh(release, name_override,
fullname_override)``): Services named by the chart's harbor.fullname rule, pods labelled
``app: <harbor.name>, component: <c>, release: <release>``.
"""

import fnmatch

from ansible_collections.berth.platform.plugins.module_utils.chart_names import component_name

GATEWAY_LABELS = {"istio": "ingressgateway"}
COMPONENTS = ("core", "portal", "registry")


class Mesh:
    """The chart's workloads and Services for one release, judged as Istio would."""

    def __init__(self, release="harbor", name_override=None, fullname_override=None):
        app = name_override or "harbor"
        self.workloads = {"ingressgateway": dict(GATEWAY_LABELS)}
        self.services = {}
        for component in COMPONENTS:
            self.workloads[component] = {"app": app, "component": component, "release": release}
            self.services[component_name(component, release, name_override, fullname_override)] = component

    def _selects(self, obj, workload):
        labels = self.workloads[workload]
        match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
        if match is None:  # namespace-wide, in Harbor's namespace (the gateway lives elsewhere)
            return workload != "ingressgateway"
        return all(labels.get(k) == v for k, v in match.items())

    def destination(self, objects, path, host="harbor.example.com"):
        """Where a request through the Gateway ends: a workload name, ``"direct 404"`` (the gateway
        answers itself), ``"no such service"`` (a route to a Service the release does not have)
        or None (no route)."""
        for vs in _of(objects, "VirtualService"):
            if host not in vs["spec"]["hosts"] or vs["spec"].get("gateways") == ["mesh"]:
                continue
            for http in vs["spec"]["http"]:
                if any(_uri_matches(match.get("uri"), path) for match in http.get("match") or [{}]):
                    if "directResponse" in http:
                        return "direct %d" % http["directResponse"]["status"]
                    service = http["route"][0]["destination"]["host"].split(".", 1)[0]
                    return self.services.get(service, "no such service")
        return None

    def authn(self, objects, workload, request):
        """(ok, principal): RequestAuthentication's verdict at ``workload``."""
        principal = None
        for ra in _of(objects, "RequestAuthentication"):
            if not self._selects(ra, workload):
                continue
            for header, token in request.get("tokens", {}).items():
                rules = [r for r in ra["spec"]["jwtRules"] if header in _token_locations(r)]
                if not rules:
                    continue  # this policy does not look there
                if not any(r["issuer"] == token["iss"] for r in rules):
                    return False, None  # 401 Jwt issuer is not configured
                principal = token["iss"] + "/" + token.get("sub", "user")
        return True, principal

    def authz(self, objects, workload, request, principal):
        policies = [p for p in _of(objects, "AuthorizationPolicy") if self._selects(p, workload)]
        allows = [p for p in policies if p["spec"].get("action", "ALLOW") == "ALLOW"]
        if not allows:
            return True
        for policy in allows:
            for rule in policy["spec"].get("rules") or [{}]:
                ok = True
                for source in rule.get("from") or []:
                    if source["source"].get("requestPrincipals") and principal is None:
                        ok = False
                for to in rule.get("to") or []:
                    paths = to["operation"].get("paths")
                    if paths and not any(fnmatch.fnmatch(_normalized(request["path"]), p) for p in paths):
                        ok = False
                if ok:
                    return True
        return False

    def mtls_reaches_registry(self, objects, host="harbor.example.com", port=5000):
        """Does core's registry proxy (external Host kept) reach the registry under the policies?"""
        pas = [p for p in _of(objects, "PeerAuthentication") if self._selects(p, "registry")]
        mode = "PERMISSIVE"
        for pa in sorted(pas, key=lambda p: p["spec"].get("selector") is not None):  # workload beats namespace
            mode = pa["spec"].get("mtls", {}).get("mode", mode)
            level = (pa["spec"].get("portLevelMtls") or {}).get(str(port))
            if level:
                mode = level["mode"]
        if mode == "PERMISSIVE":
            return True
        # STRICT: only mTLS gets in, and the sidecar uses mTLS only for a host/port it has a route for.
        known = any(host in se["spec"]["hosts"] and any(p["number"] == port for p in se["spec"]["ports"])
                    and se["spec"].get("location") == "MESH_INTERNAL" for se in _of(objects, "ServiceEntry"))
        routed = any(vs["spec"].get("gateways") == ["mesh"] and host in vs["spec"]["hosts"]
                     and any(m.get("port") == port for h in vs["spec"]["http"] for m in h.get("match") or [])
                     and all(self.services.get(r["destination"]["host"].split(".", 1)[0]) == "registry"
                             for h in vs["spec"]["http"] for r in h["route"])
                     for vs in _of(objects, "VirtualService"))
        return known and routed

    def allowed(self, objects, request):
        """The verdict for one row of the request table."""
        if request.get("to") == "registry-via-core-proxy":
            return self.mtls_reaches_registry(objects)
        hops = []
        if request["via"] == "gateway":
            hops.append("ingressgateway")
            target = self.destination(objects, request["path"])
            if target not in self.workloads:
                return False  # no route, a direct answer, or a Service that does not exist
            hops.append(target)
        else:
            hops.append(request["to"])
        for workload in hops:
            ok, principal = self.authn(objects, workload, request)
            if not ok or not self.authz(objects, workload, request, principal):
                return False
        return True


def _of(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def _normalized(path):
    """The path Envoy matches routes on: no query string, ``.``/``..`` segments removed as
    RFC 3986 5.2.4 says (Istio's default path normalization, BASE; slashes are not merged)."""
    path = path.split("?", 1)[0]
    out = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if len(out) > 0:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if path.endswith(("/.", "/..")):
        out.append("")
    return "/" + "/".join(out)


def _uri_matches(uri, path):
    if not uri:
        return True
    path = _normalized(path)
    if "exact" in uri:
        return path == uri["exact"]
    if "prefix" in uri:
        return path.startswith(uri["prefix"])
    raise ValueError("the model knows uri exact and prefix only, not %s" % sorted(uri))


def _token_locations(rule):
    if rule.get("fromHeaders"):
        return [h["name"].lower() for h in rule["fromHeaders"]]
    return ["authorization"]


_DEFAULT = Mesh()


def allowed(objects, request, mesh=None):
    """The verdict for one row of the request table (release ``harbor`` unless ``mesh``)."""
    return (mesh or _DEFAULT).allowed(objects, request)


def destination(objects, path, mesh=None):
    return (mesh or _DEFAULT).destination(objects, path)
