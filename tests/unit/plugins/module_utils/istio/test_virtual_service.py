import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio.virtual_service import (
    build_spec, camel, check_spec, manifest,
)


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


def test_without_hosts_it_is_a_delegate_and_istiod_rules_apply():
    # A delegate (the target of another VirtualService's http[].delegate) has no hosts...
    vs = manifest("team", "ns", "v1", None, http=[route(route=[dest("team-a")])])
    assert vs["spec"] == {"http": [{"route": [{"destination": {"host": "team-a"}}]}]}
    # ... and may have no gateways, tcp or tls, nor delegate further.
    for extra, message in [
        (dict(gateways=["gw"]), "a delegate may not have gateways"),
        (dict(tcp=[{"match": None, "route": [dest("db")]}]), "a delegate may not have tcp"),
        (dict(http=[route(delegate={"name": "x", "namespace": None})]), "is itself a delegate"),
    ]:
        kwargs = dict(http=[route(route=[dest("team-a")])])
        kwargs.update(extra)
        with pytest.raises(ValidationError) as info:
            manifest("team", "ns", "v1", None, **kwargs)
        assert message in str(info.value)


def test_weights_that_add_up_and_redirects_are_fine():
    vs = manifest("vs", "ns", "v1beta1", ["h"], http=[
        route(route=[dest("a", weight=90), dest("b", weight=10)]),
        route(redirect={"uri": "/new", "authority": None, "redirect_code": 301}),
    ])
    assert vs["apiVersion"] == "networking.istio.io/v1beta1"
    assert vs["spec"]["http"][1] == {"redirect": {"uri": "/new", "redirectCode": 301}}


def test_typed_options_map_to_istio_names_and_shapes():
    spec = build_spec(
        ["shop"], export_to=["."],
        http=[{"name": "r", "match": [{"uri": {"prefix": "/a"}, "port": 8080, "ignore_uri_case": False,
                                       "headers": {"x-trace": None, "end-user": {"exact": "jason", "regex": None}},
                                       "query_params": {"v": {"regex": "^2"}}, "source_labels": {"app": "web"}}],
               "route": [{"host": "shop", "port": 80, "subset": "v1", "weight": 100,
                          "headers": {"request": {"set": {"x-a": "1"}, "add": None, "remove": None},
                                      "response": None}}],
               "fault": {"delay": {"fixed_delay": "7s", "percentage": 100.0},
                         "abort": {"http_status": None, "grpc_status": "UNAVAILABLE", "percentage": 0.5}},
               "mirror": {"host": "shadow", "port": None, "subset": "v2"}, "mirror_percentage": 50.0,
               "cors_policy": {"allow_origins": [{"exact": "https://a.example.com"}], "allow_credentials": False,
                               "max_age": "24h", "allow_methods": None},
               "retries": {"attempts": 0, "per_try_timeout": None, "retry_remote_localities": False},
               "rewrite": {"uri": None, "authority": None,
                           "uri_regex_rewrite": {"match": "^/a/(.*)$", "rewrite": "/\\1"}}}],
        tcp=[{"match": [{"port": 31400, "source_subnet": "10.0.0.0/8"}], "route": [{"host": "echo", "port": 9000}]}],
        tls=[{"match": [{"sni_hosts": ["shop"], "port": 443}], "route": [{"host": "shop", "weight": None}]}])
    assert spec == {
        "hosts": ["shop"], "exportTo": ["."],
        "http": [{
            "name": "r",
            "match": [{"uri": {"prefix": "/a"}, "port": 8080, "ignoreUriCase": False,
                       "headers": {"x-trace": {}, "end-user": {"exact": "jason"}},
                       "queryParams": {"v": {"regex": "^2"}}, "sourceLabels": {"app": "web"}}],
            "route": [{"destination": {"host": "shop", "port": {"number": 80}, "subset": "v1"}, "weight": 100,
                       "headers": {"request": {"set": {"x-a": "1"}}}}],
            "fault": {"delay": {"fixedDelay": "7s", "percentage": {"value": 100.0}},
                      "abort": {"grpcStatus": "UNAVAILABLE", "percentage": {"value": 0.5}}},
            "mirror": {"host": "shadow", "subset": "v2"}, "mirrorPercentage": {"value": 50.0},
            "corsPolicy": {"allowOrigins": [{"exact": "https://a.example.com"}], "allowCredentials": False,
                           "maxAge": "24h"},
            "retries": {"attempts": 0, "retryRemoteLocalities": False},
            "rewrite": {"uriRegexRewrite": {"match": "^/a/(.*)$", "rewrite": "/\\1"}},
        }],
        "tcp": [{"match": [{"port": 31400, "sourceSubnet": "10.0.0.0/8"}],
                 "route": [{"destination": {"host": "echo", "port": {"number": 9000}}}]}],
        "tls": [{"match": [{"sniHosts": ["shop"], "port": 443}], "route": [{"destination": {"host": "shop"}}]}],
    }


def test_camel_case_names():
    assert [camel(n) for n in ("uri", "ignore_uri_case", "http2_error", "uri_regex_rewrite", "sni_hosts")] == [
        "uri", "ignoreUriCase", "http2Error", "uriRegexRewrite", "sniHosts"]


ROUTE_A = [{"destination": {"host": "a"}}]


@pytest.mark.parametrize("http,message", [
    ([{"redirect": {"uri": "/"}, "fault": {"abort": {"httpStatus": 500}}}], "has both fault and redirect"),
    ([{"directResponse": {"status": 503}, "route": ROUTE_A}], "has both route and directResponse"),
    ([{"delegate": {"name": "d"}, "redirect": {"uri": "/"}}], "has both delegate and redirect"),
    ([{"route": ROUTE_A, "mirror": {"host": "b"}, "mirrors": [{"destination": {"host": "c"}}]}],
     "both mirror and mirrors"),
    ([{"route": ROUTE_A, "mirrorPercentage": {"value": 101}}], "mirrorPercentage 101 is outside 0-100"),
    ([{"route": ROUTE_A, "mirrors": [{"destination": {"host": "c"}, "percentage": {"value": -1}}]}],
     "http[0].mirrors[0].percentage -1 is outside 0-100"),
    ([{"route": ROUTE_A, "fault": {}}], "needs an abort and/or a delay"),
    ([{"route": ROUTE_A, "fault": {"delay": {"percentage": {"value": 5}}}}], "delay needs fixedDelay"),
    ([{"route": ROUTE_A, "fault": {"abort": {"http2Error": "x"}}}], "http2Error is not supported by istiod"),
    ([{"route": ROUTE_A, "fault": {"abort": {"httpStatus": 700}}}], "httpStatus 700 is not in range 200-599"),
    ([{"route": ROUTE_A, "fault": {"abort": {"grpcStatus": "NOPE"}}}], "'NOPE' is not a gRPC status name"),
    ([{"redirect": {"redirectCode": 301}}], "redirect must give uri, authority, scheme or port"),
    ([{"redirect": {"uri": "/", "redirectCode": 200}}], "redirectCode 200 is not a redirect"),
    ([{"redirect": {"uri": "/", "scheme": "ftp"}}], "scheme must be http or https"),
    ([{"redirect": {"port": 70000}}], "http[0].redirect port 70000 is outside 1-65535"),
    ([{"route": ROUTE_A, "rewrite": {}}], "rewrite must give uri, uriRegexRewrite or authority"),
    ([{"route": ROUTE_A, "rewrite": {"uri": "/", "uriRegexRewrite": {"match": "a", "rewrite": "b"}}}],
     "uri or uriRegexRewrite, not both"),
    ([{"route": ROUTE_A, "rewrite": {"uriRegexRewrite": {"match": "a"}}}], "needs both match and rewrite"),
    ([{"directResponse": {"status": 99}}], "directResponse.status 99 is not in range"),
    ([{"route": [{"destination": {"host": "a", "port": {"number": 0}}}]}], "http[0].route[0] port 0"),
    ([{"route": [{"destination": {"host": "a"}, "weight": -5}]}], "weight -5 is below 0"),
    ([{"match": [{"port": 0}], "route": ROUTE_A}], "http[0].match[0] port 0 is outside 1-65535"),
    ([{"match": [{"method": {}}], "route": ROUTE_A}], "http[0].match[0].method needs exactly one"),
    ([{"match": [{"queryParams": {"v": {"exact": "1", "prefix": "1"}}}], "route": ROUTE_A}],
     "queryParams.v needs exactly one of exact, prefix or regex (or {} for presence)"),
])
def test_istiod_rules_on_istio_shaped_specs(http, message):
    with pytest.raises(ValidationError) as info:
        check_spec({"hosts": ["a"], "http": http})
    assert message in str(info.value)


@pytest.mark.parametrize("spec,message", [
    ({"hosts": ["a"], "tcp": [{"match": [{"port": 1}]}]}, "tcp[0] has no route destinations"),
    ({"hosts": ["a"], "tcp": [{"route": [{"destination": {"host": "a"}, "weight": 60},
                                         {"destination": {"host": "b"}, "weight": 60}]}]},
     "tcp[0].route weights add up to 120"),
    ({"hosts": ["a"], "tls": [{"route": ROUTE_A}]}, "tls[0] needs at least one match with sniHosts"),
    ({"hosts": ["a"], "tls": [{"match": [{"port": 443}], "route": ROUTE_A}]}, "tls[0].match[0] needs at least one SNI"),
    ({"hosts": ["a"], "tls": [{"match": [{"sniHosts": ["a"], "port": 0}], "route": ROUTE_A}]}, "port 0 is outside"),
    ({"hosts": ["a"], "tcp": [{"route": [{"destination": {"port": {"number": 1}}}]}]}, "has no destination host"),
    ([], "spec must be a mapping"),
])
def test_istiod_rules_on_tcp_and_tls(spec, message):
    with pytest.raises(ValidationError) as info:
        check_spec(spec)
    assert message in str(info.value)


def test_header_and_query_presence_matches_are_allowed():
    check_spec({"hosts": ["a"], "http": [{"match": [{"headers": {"x": {}}, "withoutHeaders": {"y": {}},
                                                     "queryParams": {"z": {}}}], "route": ROUTE_A}]})


def test_spec_is_passed_as_given_and_excludes_typed_options():
    given = {"hosts": ["a"], "http": [{"route": ROUTE_A, "mirror": {"host": "b"}, "mirrorPercent": 100}]}
    vs = manifest("vs", "ns", "v1", spec=given)
    assert vs["spec"] == given and vs["spec"] is not given
    with pytest.raises(ValidationError) as info:
        manifest("vs", "ns", "v1", ["a"], http=[route(route=[dest("a")])], spec=given)
    assert "leave out hosts, http" in str(info.value)


def test_check_false_leaves_the_checks_to_the_caller():
    vs = manifest("vs", "ns", "v1", spec={"hosts": ["a"], "http": [{"redirect": {"uri": "/"}, "route": ROUTE_A}]},
                  check=False)
    with pytest.raises(ValidationError):
        check_spec(vs["spec"])
