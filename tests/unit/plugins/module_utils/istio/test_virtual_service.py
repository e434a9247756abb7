import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio.virtual_service import manifest


def route(**kw):
    base = {"name": None, "match": None, "route": None, "redirect": None, "rewrite": None,
            "timeout": None, "retries": None, "headers": None}
    base.update(kw)
    return base


def dest(host, port=None, subset=None, weight=None):
    return {"host": host, "port": port, "subset": subset, "weight": weight}


def test_harbor_layout_maps_to_istio_field_names():
    vs = manifest("harbor", "harbor", "v1", ["harbor.example.com"], gateways=["harbor/gw"], http=[
        route(name="core", match=[{"uri": {"prefix": "/v2/", "exact": None, "regex": None},
                                   "method": None, "headers": None}],
              route=[dest("harbor-core", 80)], timeout="30s",
              retries={"attempts": 3, "per_try_timeout": "2s", "retry_on": "5xx"}),
    ])
    assert vs == {
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "harbor", "namespace": "harbor"},
        "spec": {"hosts": ["harbor.example.com"], "gateways": ["harbor/gw"], "http": [{
            "name": "core", "match": [{"uri": {"prefix": "/v2/"}}],
            "route": [{"destination": {"host": "harbor-core", "port": {"number": 80}}}],
            "timeout": "30s", "retries": {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx"},
        }]},
    }


@pytest.mark.parametrize("http,message", [
    ([route(match=[{}], route=[dest("a")])], "http[0].match[0] is empty"),
    ([route(route=[dest("a", 0)])], "outside 1-65535"),
    ([route(route=[dest("a", 65536)])], "outside 1-65535"),
    ([route(match=[{"uri": {"prefix": "/"}}])], "neither route destinations nor a redirect"),
    ([route(route=[dest("a", weight=60), dest("b", weight=60)])], "add up to 120, not 100"),
    ([route(route=[dest("a")], redirect={"uri": "/x"})], "both route and redirect"),
    ([route(match=[{"uri": {"prefix": "/", "regex": ".*"}}], route=[dest("a")])], "exactly one of"),
    ([route(match=[{"headers": {"x-a": {"glob": "*"}}}], route=[dest("a")])], "headers.x-a needs exactly one"),
])
def test_invalid_routes_fail_with_where_and_why(http, message):
    with pytest.raises(ValidationError) as info:
        manifest("vs", "ns", "v1", ["h"], http=http)
    assert message in str(info.value)


def test_hosts_required():
    with pytest.raises(ValidationError):
        manifest("vs", "ns", "v1", [], http=[])


def test_weights_that_add_up_and_redirects_are_fine():
    vs = manifest("vs", "ns", "v1beta1", ["h"], http=[
        route(route=[dest("a", weight=90), dest("b", weight=10)]),
        route(redirect={"uri": "/new", "authority": None, "redirect_code": 301}),
    ])
    assert vs["apiVersion"] == "networking.istio.io/v1beta1"
    assert vs["spec"]["http"][1] == {"redirect": {"uri": "/new", "redirectCode": 301}}
