"""istio_harbor_security's objects, judged by a request table: every kind of real Harbor
traffic the Harbor-behind-Istio issue lists must get through, under the default and
under each JWT mode, except what a mode documents it blocks; core's internal paths must
not be reachable through the gateway; the routes must name the release's Services."""

import pytest
import yaml

from ansible_collections.berth.platform.plugins.module_utils import chart_names
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
from ansible_collections.berth.platform.plugins.modules import istio_harbor_security as module
from ansible_collections.berth.platform.plugins.modules.istio_harbor_security import desired_objects

from mesh_model import Mesh, allowed, destination
from doc_spec import doc_spec_problems

ISSUER = "https://sso.example.com/realms/platform"
HARBOR_TOKEN = {"iss": "harbor-token-issuer", "sub": "robot$team-a+pull"}
KEYCLOAK_TOKEN = {"iss": ISSUER, "sub": "alice"}


def params(**overrides):
    p = dict(namespace="harbor", name="harbor", harbor_host="harbor.example.com", state="present",
             labels=None, mtls_mode="STRICT", registry_fix="service_entry", registry_service=None,
             registry_selector=None, jwt=None, release=None, name_override=None, fullname_override=None,
             require_injection=True,
             gateway=dict(enabled=True, namespace="istio-ingress", selector={"istio": "ingressgateway"},
                          tls_credential_name="harbor-tls", https_redirect=True),
             routes=dict(enabled=True, gateway=None, core_service=None, portal_service=None))
    p.update(overrides)
    return p


def jwt(mode, **kw):
    return dict(dict(mode=mode, issuer=ISSUER, jwks_uri=None, audiences=None, header=hs.DEFAULT_JWT_HEADER,
                     portal_selector=None, core_selector=None), **kw)


def objects_for(**overrides):
    return desired_objects(params(**overrides), "v1", "v1")[0]


# (who, request) -> must be allowed. Credentials: Basic and cookies are no JWT; docker,
# containerd and Trivy send Harbor's own JWT (issuer harbor-token-issuer) as Bearer.
TABLE = [
    ("docker ping", dict(via="gateway", path="/v2/")),
    ("docker login at the token service (basic)", dict(via="gateway", path="/service/token")),
    ("docker push with Harbor's token", dict(via="gateway", path="/v2/team-a/app/blobs/uploads/",
                                             tokens={"authorization": HARBOR_TOKEN})),
    ("robot pull with Harbor's token", dict(via="gateway", path="/v2/team-a/app/manifests/v1",
                                            tokens={"authorization": HARBOR_TOKEN})),
    ("UI XHR (session cookie + CSRF header)", dict(via="gateway", path="/api/v2.0/projects")),
    ("CI / harbor_* modules (basic)", dict(via="gateway", path="/api/v2.0/robots")),
    ("OIDC login start", dict(via="gateway", path="/c/oidc/login")),
    ("OIDC callback", dict(via="gateway", path="/c/oidc/callback")),
    ("local login form POST", dict(via="gateway", path="/c/login")),
    ("docker login, the token request as sent (query string)",
     dict(via="gateway", path="/service/token?account=admin&service=harbor-registry&scope=repository:a/b:pull")),
    ("OIDC callback with code and state", dict(via="gateway", path="/c/oidc/callback?code=abc&state=xyz")),
    ("jobservice -> core notifications", dict(via="mesh", to="core", path="/service/notifications/jobs/x")),
    ("trivy -> core with Harbor's token", dict(via="mesh", to="core", path="/v2/team-a/app/blobs/sha256:1",
                                               tokens={"authorization": HARBOR_TOKEN})),
    ("core -> registry, external Host kept (push)", dict(via="mesh", to="registry-via-core-proxy",
                                                         path="/v2/team-a/app/blobs/uploads/")),
]
BROWSER = ("browser loads the UI", dict(via="gateway", path="/"))
BROWSER_WITH_JWT = ("browser behind an auth proxy", dict(via="gateway", path="/",
                                                         tokens={"authorization": KEYCLOAK_TOKEN}))

MODES = {
    "default": {},
    "jwt portal": {"jwt": jwt("portal")},
    "jwt header": {"jwt": jwt("header")},
    "registry fix permissive_port": {"registry_fix": "permissive_port"},
    "PERMISSIVE": {"mtls_mode": "PERMISSIVE"},
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("who,request_", TABLE, ids=[t[0] for t in TABLE])
def test_harbor_traffic_gets_through(mode, who, request_):
    assert allowed(objects_for(**MODES[mode]), request_), who


# Where each client path ends through the gateway: core's client paths at core, everything
# else of /service/ answered 404 by the gateway, the rest at the portal.
GATEWAY_PATHS = [
    ("/v2/", "core"),
    ("/v2/team-a/app/manifests/v1", "core"),
    ("/api/v2.0/projects", "core"),
    ("/c/login", "core"),
    ("/c/oidc/callback?code=abc&state=xyz", "core"),
    ("/service/token", "core"),
    ("/service/token?account=robot$team-a+pull&service=harbor-registry&scope=repository:team-a/app:pull", "core"),
    # jobservice's status hooks (no credentials checked) - never core from outside
    ("/service/notifications/tasks/1", "direct 404"),
    ("/service/notifications/jobs/adminjob/1", "direct 404"),
    ("/service/notifications/schedules/1", "direct 404"),
    ("/service/notifications/jobs/replication/task/1", "direct 404"),
    ("/service/notifications/jobs/retention/task/1", "direct 404"),
    ("/service/token/../notifications/tasks/1", "direct 404"),       # dot segments are resolved first
    ("/v2/../service/notifications/tasks/1", "direct 404"),
    ("/api/v2.0/../../service/notifications/jobs/adminjob/1", "direct 404"),
    ("/service/token/", "direct 404"),
    ("/service/", "direct 404"),
    ("/service", "portal"),
    ("/chartrepo/team-a/index.yaml", "portal"),                      # ChartMuseum is gone since Harbor 2.8
    ("/v1/_ping", "portal"),                                          # the chart's nginx: 404
    ("/", "portal"),
    ("/harbor/projects", "portal"),
]


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("path,expected", GATEWAY_PATHS, ids=[row[0] for row in GATEWAY_PATHS])
def test_where_each_path_ends_through_the_gateway(mode, path, expected):
    assert destination(objects_for(**MODES[mode]), path) == expected


FORGED_JOB_STATES = [
    ("forged task status", dict(via="gateway", method="POST", path="/service/notifications/tasks/1")),
    ("forged admin job status", dict(via="gateway", method="POST", path="/service/notifications/jobs/adminjob/1")),
    ("forged status, dot segments", dict(via="gateway", method="POST", path="/v2/../service/notifications/tasks/1")),
]


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("who,request_", FORGED_JOB_STATES, ids=[t[0] for t in FORGED_JOB_STATES])
def test_core_internal_hooks_are_not_reachable_from_outside(mode, who, request_):
    objects = objects_for(**MODES[mode])
    assert destination(objects, request_["path"]) == "direct 404", who
    assert not allowed(objects, request_), who
    # ...while jobservice still reaches them inside the mesh.
    assert allowed(objects, dict(via="mesh", to="core", path=request_["path"]))


def test_the_model_finds_the_open_hook_in_the_old_routes():
    """The earlier routes (all of /service/, /chartrepo/ and /v1/ to core) let a forged job state
    reach core: the table above fails on them."""
    old = objects_for()
    vs = next(o for o in old if o["kind"] == "VirtualService" and o["metadata"]["name"] == "harbor")
    core = vs["spec"]["http"][0]
    core["match"] = [{"uri": {"prefix": p}} for p in ("/api/", "/c/", "/chartrepo/", "/service/", "/v1/", "/v2/")]
    vs["spec"]["http"] = [core, vs["spec"]["http"][-1]]
    reached = [who for who, req in FORGED_JOB_STATES if allowed(old, req)]
    assert reached == [row[0] for row in FORGED_JOB_STATES]
    assert destination(old, "/service/notifications/tasks/1") == "core"


def test_the_portal_mode_blocks_exactly_browsers_without_a_jwt():
    objects = objects_for(jwt=jwt("portal"))
    assert not allowed(objects, BROWSER[1])
    assert allowed(objects, BROWSER_WITH_JWT[1])
    assert allowed(objects_for(), BROWSER[1])


def test_header_mode_rejects_a_bad_token_in_its_header_only():
    objects = objects_for(jwt=jwt("header"))
    forged = dict(via="gateway", path="/api/v2.0/projects",
                  tokens={hs.DEFAULT_JWT_HEADER: {"iss": "https://evil.example.com"}})
    assert not allowed(objects, forged)
    good = dict(via="gateway", path="/api/v2.0/projects", tokens={hs.DEFAULT_JWT_HEADER: KEYCLOAK_TOKEN})
    assert allowed(objects, good)


def test_the_model_can_fail_the_old_design():
    """The earlier design (JWT required on core, /v1/ /v2/ /service/ exempt) fails the table."""
    old = objects_for() + [
        hs.request_authentication("harbor-jwt", "harbor", {"app": "harbor", "component": "core"}, ISSUER),
        {"kind": "AuthorizationPolicy", "metadata": {"name": "harbor-require-jwt"},
         "spec": {"selector": {"matchLabels": {"app": "harbor", "component": "core"}}, "action": "ALLOW",
                  "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]},
                            {"to": [{"operation": {"paths": ["/v1/*", "/v2/*", "/service/*"]}}]}]}}]
    failing = [who for who, req in TABLE if not allowed(old, req)]
    assert "docker push with Harbor's token" in failing       # 401 Jwt issuer is not configured
    assert "UI XHR (session cookie + CSRF header)" in failing  # no JWT on /api/
    assert "OIDC callback" in failing
    # STRICT without a remedy: core's pass-through Host breaks pushes.
    bare = objects_for(registry_fix="none")
    assert not allowed(bare, dict(TABLE[-1][1]))


def test_routes_core_paths_before_the_portal_with_no_retries_or_rewrite():
    vs = next(o for o in objects_for() if o["kind"] == "VirtualService" and o["metadata"]["name"] == "harbor")
    core, internal, portal = vs["spec"]["http"]
    assert core["match"] == [{"uri": {"prefix": "/api/"}}, {"uri": {"prefix": "/c/"}}, {"uri": {"prefix": "/v2/"}},
                             {"uri": {"exact": "/service/token"}}]
    assert core["retries"] == {"attempts": 0} and "timeout" not in core and "rewrite" not in core
    assert internal == {"name": "harbor-internal-not-found", "match": [{"uri": {"prefix": "/service/"}}],
                        "directResponse": {"status": 404}}
    assert portal["match"] == [{"uri": {"prefix": "/"}}]
    assert vs["spec"]["gateways"] == ["istio-ingress/harbor-gateway"]
    assert core["route"][0]["destination"]["host"] == "harbor-core.harbor.svc.cluster.local"


def test_no_object_selects_core_or_the_gateway_with_authorization_header_jwt():
    for mode in MODES.values():
        for obj in objects_for(**mode):
            if obj["kind"] != "RequestAuthentication":
                continue
            rule = obj["spec"]["jwtRules"][0]
            selects_core = obj["spec"]["selector"]["matchLabels"].get("component") == "core"
            assert not selects_core or rule.get("fromHeaders"), obj


@pytest.mark.parametrize("call,message", [
    (lambda: hs.request_authentication("n", "ns", {}, "http://sso/realms/p"), "https:// issuer"),
    (lambda: hs.request_authentication("n", "ns", {}, ISSUER, header="Authorization"), "must not be Authorization"),
    (lambda: hs.gateway("g", "ns", "h", None, {"istio": "ingressgateway"}), "tls_credential_name"),
    (lambda: hs.check_host("https://harbor.example.com/"), "no scheme"),
    (lambda: hs.check_host("harbor.example.com:443"), "no scheme"),
    (lambda: hs.routes("r", "ns", "h", "harbor-gateway", "c", "p"), "namespace-qualified"),
])
def test_bad_input(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


def test_gateway_redirects_http():
    gw = hs.gateway("g", "ns", "harbor.example.com", "harbor-tls", {"istio": "ingressgateway"})
    assert gw["spec"]["servers"][1]["tls"] == {"httpsRedirect": True}
    assert gw["spec"]["servers"][0]["tls"] == {"mode": "SIMPLE", "credentialName": "harbor-tls"}


# -- the release's names -----------------------------------------------------------------

RELEASES = [
    # (module options, the Services the chart makes for them, the pods' app label)
    (dict(), ("harbor-core", "harbor-portal", "harbor-registry"), "harbor"),
    (dict(name="harbor", release="hub"), ("hub-harbor-core", "hub-harbor-portal", "hub-harbor-registry"), "harbor"),
    (dict(name="hub"), ("hub-harbor-core", "hub-harbor-portal", "hub-harbor-registry"), "harbor"),
    (dict(release="my-harbor"), ("my-harbor-core", "my-harbor-portal", "my-harbor-registry"), "harbor"),
    (dict(release="hub", name_override="registry"), ("hub-registry-core", "hub-registry-portal",
                                                     "hub-registry-registry"), "registry"),
    (dict(release="hub", fullname_override="cr"), ("cr-core", "cr-portal", "cr-registry"), "harbor"),
]


def mesh_for(options):
    return Mesh(options.get("release") or options.get("name") or "harbor", options.get("name_override"),
                options.get("fullname_override"))


def destination_hosts(objects):
    return sorted(set(r["destination"]["host"] for o in objects if o["kind"] == "VirtualService"
                      for h in o["spec"]["http"] for r in h.get("route", [])))


@pytest.mark.parametrize("options,services,app", RELEASES, ids=[str(r[0]) for r in RELEASES])
def test_routes_name_the_services_the_chart_makes_for_the_release(options, services, app):
    objects = objects_for(**options)
    assert destination_hosts(objects) == sorted("%s.harbor.svc.cluster.local" % s for s in services)
    mesh = mesh_for(options)
    for mode in MODES.values():
        judged = objects_for(**dict(options, **mode))
        failing = [who for who, req in TABLE if not allowed(judged, req, mesh)]
        assert failing == [], (mode, failing)


@pytest.mark.parametrize("options,services,app", RELEASES, ids=[str(r[0]) for r in RELEASES])
def test_selectors_carry_the_charts_app_label(options, services, app):
    for mode in ({"registry_fix": "permissive_port"}, {"jwt": jwt("portal")}, {"jwt": jwt("header")}):
        for obj in objects_for(**dict(options, **mode)):
            selector = (obj["spec"].get("selector") or {}).get("matchLabels")
            if selector and obj["kind"] != "Gateway":
                assert selector["app"] == app, obj


def test_the_model_fails_routes_to_services_the_release_does_not_have():
    """Before: release hub was routed to hub-core, hub-portal, hub-registry, which do not exist."""
    mesh = Mesh("hub")
    old = objects_for(routes=dict(enabled=True, gateway=None, core_service="hub-core", portal_service="hub-portal"),
                      registry_service="hub-registry")
    assert destination(old, "/v2/", mesh) == "no such service"
    assert [who for who, req in TABLE if req["via"] == "gateway" and allowed(old, req, mesh)] == []
    assert not allowed(old, TABLE[-1][1], mesh)  # core -> registry: the mesh route names no registry


def test_explicit_service_names_win():
    objects = objects_for(release="hub", routes=dict(enabled=True, gateway=None, core_service="core",
                                                     portal_service="ui"), registry_service="reg")
    assert destination_hosts(objects) == ["core.harbor.svc.cluster.local", "reg.harbor.svc.cluster.local",
                                          "ui.harbor.svc.cluster.local"]


def test_explicit_selectors_win():
    objects = objects_for(name_override="registry", registry_fix="permissive_port",
                          registry_selector={"app": "mine", "component": "registry"})
    pa = next(o for o in objects if o["metadata"]["name"] == "harbor-registry-permissive")
    assert pa["spec"]["selector"]["matchLabels"] == {"app": "mine", "component": "registry"}


# -- sidecar injection -------------------------------------------------------------------

def ns_obj(**labels):
    return {"metadata": {"name": "harbor", "labels": labels}}


def pod(name, sidecar=True, init_sidecar=False, phase="Running", deleting=False):
    containers = [{"name": "core"}] + ([{"name": "istio-proxy"}] if sidecar else [])
    spec = {"containers": containers}
    if init_sidecar:
        spec["initContainers"] = [{"name": "istio-init"}, {"name": "istio-proxy", "restartPolicy": "Always"}]
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = "2030-01-01T00:00:00Z"
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


@pytest.mark.parametrize("labels,expected", [
    ({"istio-injection": "enabled"}, (True, "istio-injection=enabled")),
    ({"istio.io/rev": "1-30"}, (True, "istio.io/rev=1-30")),
    ({"istio-injection": "enabled", "istio.io/rev": "1-30"}, (True, "istio-injection=enabled")),
    ({"istio-injection": "disabled", "istio.io/rev": "1-30"}, (False, "istio-injection=disabled")),
    ({"istio-injection": "true"}, (False, None)),
    ({}, (False, None)),
])
def test_namespace_injection_as_istios_webhooks_select_it(labels, expected):
    assert hs.namespace_injection(ns_obj(**labels)) == expected


def test_injection_report_names_the_pods_without_a_sidecar():
    pods = [pod("harbor-core-1"), pod("harbor-portal-1", sidecar=False), pod("harbor-registry-1", sidecar=False,
                                                                             init_sidecar=True),
            pod("harbor-old-1", sidecar=False, deleting=True), pod("harbor-job-1", sidecar=False, phase="Succeeded"),
            pod("harbor-database-0", sidecar=False)]
    report = hs.injection_report("harbor", ns_obj(**{"istio-injection": "enabled"}), pods, "harbor")
    assert report == dict(checked=True, namespace="harbor", namespace_exists=True, namespace_injection=True,
                          namespace_label="istio-injection=enabled", pod_selector="app=harbor", pods=4,
                          pods_without_sidecar=["harbor-database-0", "harbor-portal-1"], in_force=False)
    message, fix = hs.injection_problem(report, "mtls_mode STRICT")
    assert "Harbor pods (app=harbor) without an istio-proxy sidecar" in message
    assert "harbor-database-0, harbor-portal-1" in message and "mtls_mode STRICT" in message
    assert "kubectl rollout restart deployment,statefulset -n harbor" in fix
    assert "kubectl label" not in fix


def test_injection_problem_for_an_unlabelled_namespace():
    report = hs.injection_report("harbor", ns_obj(), [], "harbor")
    message, fix = hs.injection_problem(report, "mtls_mode STRICT")
    assert "namespace harbor is not labelled for sidecar injection" in message
    assert fix.startswith("fix: kubectl label namespace harbor istio-injection=enabled")
    assert "require_injection=false" in fix
    missing = hs.injection_report("harbor", None, [], "harbor")
    assert "namespace harbor does not exist" in hs.injection_problem(missing, "mtls_mode STRICT")[0]


def test_injection_in_force():
    report = hs.injection_report("harbor", ns_obj(**{"istio.io/rev": "canary"}), [pod("harbor-core-1")], "harbor")
    assert report["in_force"] and hs.injection_problem(report, "mtls_mode STRICT") is None
    assert chart_names.name("registry") == "registry" and chart_names.name(None) == "harbor"


@pytest.mark.parametrize("overrides,expected", [
    ({}, "mtls_mode STRICT"),
    ({"mtls_mode": "PERMISSIVE"}, None),
    ({"mtls_mode": "PERMISSIVE", "jwt": jwt("portal")}, "jwt.mode portal"),
    ({"jwt": jwt("header")}, "mtls_mode STRICT and jwt.mode header"),
    ({"state": "absent"}, None),
])
def test_what_needs_sidecars(overrides, expected):
    assert module.enforced_by_sidecars(params(**overrides)) == expected


# -- documentation -----------------------------------------------------------------------

def test_documentation_and_argument_spec_agree():
    assert doc_spec_problems(module.DOCUMENTATION, module.ARGUMENT_SPEC) == []


def test_documentation_names_the_routed_paths():
    text = " ".join(yaml.safe_load(module.DOCUMENTATION)["description"])
    for path in hs.CORE_PREFIXES + hs.CORE_EXACT + hs.INTERNAL_PREFIXES:
        assert "C(%s)" % path in text
    assert "/service/notifications/" in text and "404" in text
