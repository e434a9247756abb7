"""A reading of Istio's documented request semantics, to judge generated policies.

Not a mesh: it answers "does this request get through?" from the fields of the
objects istio_harbor_security builds, following Istio's reference docs:
- routing: a Gateway-bound VirtualService picks the first http route whose match
  fits (uri prefix; port), in order;
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
"""

import fnmatch

GATEWAY_LABELS = {"istio": "ingressgateway"}
WORKLOADS = {
    "ingressgateway": {"istio": "ingressgateway"},
    "core": {"app": "harbor", "component": "core", "release": "harbor"},
    "portal": {"app": "harbor", "component": "portal", "release": "harbor"},
    "registry": {"app": "harbor", "component": "registry", "release": "harbor"},
}


def _selects(obj, workload):
    labels = WORKLOADS[workload]
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
    if match is None:  # namespace-wide, in Harbor's namespace (the gateway lives elsewhere)
        return workload != "ingressgateway"
    return all(labels.get(k) == v for k, v in match.items())


def _of(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def route(objects, path, host="harbor.example.com"):
    """The destination workload of a request through the Gateway."""
    for vs in _of(objects, "VirtualService"):
        if host not in vs["spec"]["hosts"] or vs["spec"].get("gateways") == ["mesh"]:
            continue
        for http in vs["spec"]["http"]:
            for match in http.get("match") or [{}]:
                if path.startswith((match.get("uri") or {}).get("prefix", "")):
                    dest = http["route"][0]["destination"]["host"]
                    return dest.split("-", 1)[1].split(".", 1)[0]  # harbor-core.ns.svc -> core
    return None


def _token_locations(rule):
    if rule.get("fromHeaders"):
        return [h["name"].lower() for h in rule["fromHeaders"]]
    return ["authorization"]


def authn(objects, workload, request):
    """(ok, principal): RequestAuthentication's verdict at ``workload``."""
    principal = None
    for ra in _of(objects, "RequestAuthentication"):
        if not _selects(ra, workload):
            continue
        for header, token in request.get("tokens", {}).items():
            rules = [r for r in ra["spec"]["jwtRules"] if header in _token_locations(r)]
            if not rules:
                continue  # this policy does not look there
            if not any(r["issuer"] == token["iss"] for r in rules):
                return False, None  # 401 Jwt issuer is not configured
            principal = token["iss"] + "/" + token.get("sub", "user")
    return True, principal


def authz(objects, workload, request, principal):
    policies = [p for p in _of(objects, "AuthorizationPolicy") if _selects(p, workload)]
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
                if paths and not any(fnmatch.fnmatch(request["path"], p) for p in paths):
                    ok = False
            if ok:
                return True
    return False


def mtls_reaches_registry(objects, host="harbor.example.com", port=5000):
    """Does core's registry proxy (external Host kept) reach the registry under the policies?"""
    pas = [p for p in _of(objects, "PeerAuthentication") if _selects(p, "registry")]
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
                 and all(r["destination"]["host"].startswith("harbor-registry.")
                         for h in vs["spec"]["http"] for r in h["route"])
                 for vs in _of(objects, "VirtualService"))
    return known and routed


def allowed(objects, request):
    """The verdict for one row of the request table."""
    if request.get("to") == "registry-via-core-proxy":
        return mtls_reaches_registry(objects)
    hops = []
    if request["via"] == "gateway":
        hops.append("ingressgateway")
        target = route(objects, request["path"])
        if target is None:
            return False
        hops.append(target)
    else:
        hops.append(request["to"])
    for workload in hops:
        ok, principal = authn(objects, workload, request)
        if not ok or not authz(objects, workload, request, principal):
            return False
    return True
