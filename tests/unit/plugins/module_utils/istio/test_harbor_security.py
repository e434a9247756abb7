import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs

CORE = {"app": "harbor", "component": "core"}


def test_authorization_policy_exempts_registry_paths_by_default():
    policy = hs.authorization_policy("harbor-require-jwt", "harbor", CORE)
    assert policy["spec"] == {
        "selector": {"matchLabels": CORE}, "action": "ALLOW",
        "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]},
                  {"to": [{"operation": {"paths": ["/v1/*", "/v2/*", "/service/*"]}}]}]}


def test_request_authentication_derives_jwks_from_issuer():
    ra = hs.request_authentication("harbor-jwt", "harbor", CORE, "https://sso/realms/p/")
    assert ra["spec"]["jwtRules"] == [{"issuer": "https://sso/realms/p/",
                                       "jwksUri": "https://sso/realms/p/protocol/openid-connect/certs"}]


@pytest.mark.parametrize("call", [
    lambda: hs.request_authentication("n", "ns", CORE, "http://sso/realms/p"),
    lambda: hs.authorization_policy("n", "ns", CORE, ["v2/*"]),
    lambda: hs.gateway("g", "ns", "h", None, {"istio": "ingressgateway"}),
])
def test_bad_input(call):
    with pytest.raises(ValidationError):
        call()


def test_gateway_redirects_http():
    gw = hs.gateway("g", "ns", "harbor.example.com", "harbor-tls", {"istio": "ingressgateway"})
    assert gw["spec"]["servers"][1]["tls"] == {"httpsRedirect": True}
    assert gw["spec"]["servers"][0]["tls"] == {"mode": "SIMPLE", "credentialName": "harbor-tls"}
