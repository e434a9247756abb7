"""istio_harbor_security's objects, judged by a request table: every kind of real Harbor
traffic the Harbor-behind-Istio issue lists must get through, under the default and
under each JWT mode, except what a mode documents it blocks."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
from ansible_collections.berth.platform.plugins.modules.istio_harbor_security import desired_objects

from mesh_model import allowed

ISSUER = "https://sso.example.com/realms/platform"
HARBOR_TOKEN = {"iss": "harbor-token-issuer", "sub": "robot$team-a+pull"}
KEYCLOAK_TOKEN = {"iss": ISSUER, "sub": "alice"}


def params(**overrides):
    p = dict(namespace="harbor", name="harbor", harbor_host="harbor.example.com", state="present",
             labels=None, mtls_mode="STRICT", registry_fix="service_entry", registry_service=None,
             registry_selector={"app": "harbor", "component": "registry"}, jwt=None,
             gateway=dict(enabled=True, namespace="istio-ingress", selector={"istio": "ingressgateway"},
                          tls_credential_name="harbor-tls", https_redirect=True),
             routes=dict(enabled=True, gateway=None, core_service=None, portal_service=None))
    p.update(overrides)
    return p


def jwt(mode, **kw):
    return dict(dict(mode=mode, issuer=ISSUER, jwks_uri=None, audiences=None, header=hs.DEFAULT_JWT_HEADER,
                     portal_selector={"app": "harbor", "component": "portal"},
                     core_selector={"app": "harbor", "component": "core"}), **kw)


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
    ("chart repository", dict(via="gateway", path="/chartrepo/team-a/index.yaml")),
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
    core, portal = vs["spec"]["http"]
    assert [m["uri"]["prefix"] for m in core["match"]] == ["/api/", "/c/", "/chartrepo/", "/service/", "/v1/", "/v2/"]
    assert core["retries"] == {"attempts": 0} and "timeout" not in core and "rewrite" not in core
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
