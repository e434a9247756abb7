"""istioctl (built from istio.io/istio, see tests/lab/versions.env) judges Istio objects.

First the judge is shown able to fail: what istiod's validating webhook rejects fails
``validate``; ``analyze`` reports a missing gateway offline and ill-named ports on a
lab cluster. Then it judges what the collection's builders
(plugins/module_utils/istio/) produce today, around the Services and workloads of the
real Harbor chart, with today's findings spelled out so a change either way shows.
"""

import base64
import subprocess
import uuid

import pytest
import yaml

from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service

from conftest import require
from istio_judge import analyze, codes, show, validate

HOST = "harbor.example.com"
# Harbor's routes as istio_harbor_security lays them out: core's client paths, the token service
# exactly, the rest of /service/ (core's internal job status hooks) answered 404, the portal last.
CORE_PREFIXES = ["/api/", "/c/", "/v2/"]
# istio_vs's EXAMPLES (plugins/modules/istio_vs.py) route Harbor the same way as harbor_vs().
ISSUER = "https://sso.example.com/realms/platform"


def meta(name, namespace="harbor", labels=None):
    m = {"name": name, "namespace": namespace}
    if labels:
        m["labels"] = labels
    return m


def harbor_vs(namespace="harbor", gateway="harbor/harbor-gateway"):
    """Harbor's routes: core's paths first, a 404 for the rest of /service/, the portal catch-all last."""
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": meta("harbor", namespace),
            "spec": {"hosts": [HOST], "gateways": [gateway], "http": [
                {"name": "harbor-core", "match": [{"uri": {"prefix": p}} for p in CORE_PREFIXES]
                 + [{"uri": {"exact": "/service/token"}}],
                 "route": [{"destination": {"host": "harbor-core", "port": {"number": 80}}}]},
                {"name": "harbor-internal-not-found", "match": [{"uri": {"prefix": "/service/"}}],
                 "directResponse": {"status": 404}},
                {"name": "harbor-portal", "match": [{"uri": {"prefix": "/"}}],
                 "route": [{"destination": {"host": "harbor-portal", "port": {"number": 80}}}]},
            ]}}


def authorization_policy(rules, action="ALLOW"):
    return {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": meta("harbor-core"),
            "spec": {"selector": {"matchLabels": {"app": "harbor", "component": "core"}}, "action": action,
                     "rules": rules}}


def namespace(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}


def service(name, ns, ports, selector=None):
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns),
            "spec": {"selector": selector or {"app": name}, "ports": ports}}


def pod(name, ns, labels):
    """A pod as the sidecar injector leaves it (the lab runs no pod: analyzers read them)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels),
                         "annotations": {"sidecar.istio.io/status": '{"containers":["istio-proxy"]}'}},
            "spec": {"containers": [{"name": "app", "image": "example.invalid/app:1"},
                                    {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.30.3"}]}}


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


@pytest.fixture(scope="module")
def east(lab):
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    return kubeconfig


# --- the judge can fail ---------------------------------------------------------------

def test_validate_rejects_a_virtual_service_without_routes():
    vs = harbor_vs()
    del vs["spec"]["http"]
    ok, output = validate([vs])
    assert not ok, output
    assert "http, tcp or tls must be provided in virtual service" in output


def test_validate_accepts_harbor_routes():
    ok, output = validate([harbor_vs()])
    assert ok, output
    assert output == '"objects.yaml" is valid'


@pytest.mark.parametrize("change,why", [
    (lambda r: r.update(directResponse={"status": 99}), "HTTP status 99 is not in range 200-599"),
    (lambda r: r.update(route=[{"destination": {"host": "harbor-core"}}]),
     "HTTP route cannot contain both route and direct_response"),
    (lambda r: r.update(redirect={"uri": "/"}), "HTTP route rule cannot contain both direct_response and redirect"),
], ids=["status out of range", "direct response and a route", "direct response and a redirect"])
def test_validate_judges_the_direct_response_route(change, why):
    """The 404 route for core's internal paths is judged by istiod's own rules, not waved through."""
    vs = harbor_vs()
    change(vs["spec"]["http"][1])
    ok, output = validate([vs])
    assert not ok, output
    assert why in output, output


@pytest.mark.parametrize("rules,action,why", [
    ([{"to": [{"operation": {"pathz": ["/api/*"]}}]}], "ALLOW", 'unknown field "pathz"'),
    ([{"to": [{"operation": {}}]}], "ALLOW", "`to.operation` must not be empty, found at rule 0"),
    ([{"to": [{"operation": {"methods": ["GET"], "paths": ["/api/{**}/x/{**}"]}}]}], "ALLOW", "{**}"),
    ([{"to": [{"operation": {"ports": ["http"]}}]}], "ALLOW", "http"),
    ([{"to": [{"operation": {"paths": ["/api/*"]}}]}], "PERMIT", "PERMIT"),
], ids=["unknown operation field", "empty operation", "two {**} in a path", "port not a number",
        "unknown action"])
def test_validate_rejects_a_broken_authorization_policy(rules, action, why):
    ok, output = validate([authorization_policy(rules, action)])
    assert not ok, output
    assert why in output, output


@pytest.mark.parametrize("port,why", [
    ({"name": "foo", "port": 8080}, 'port "foo" does not follow the Istio naming convention'),
    ({"port": 8080}, "has an unnamed port"),
    ({"name": "http-web", "port": 8080}, None),
    ({"name": "web", "appProtocol": "http", "port": 8080}, None),
], ids=["named foo", "unnamed", "named http-web", "appProtocol http"])
def test_validate_applies_istioctls_port_name_rule_to_services(port, why):
    ok, output = validate([service("harbor-core", "harbor", [port])])
    assert ok is (why is None), output
    if why:
        assert why in output, output


def test_analyze_offline_refuses_kinds_istioctl_would_ignore():
    with pytest.raises(ValueError, match="ignores Service harbor-core"):
        analyze([harbor_vs(), service("harbor-core", "harbor", [{"name": "http-web", "port": 80}])])


def test_analyze_offline_reports_a_gateway_missing_from_the_input():
    messages = analyze([harbor_vs()])
    assert [(m["code"], m["level"], m["origin"], m["message"]) for m in messages] == [
        ("IST0101", "Error", "VirtualService harbor/harbor",
         'Referenced gateway not found: "harbor/harbor-gateway"'),
        ("IST0132", "Warning", "VirtualService harbor/harbor",
         "one or more host [harbor.example.com] defined in VirtualService harbor/harbor not found in "
         "Gateway harbor/harbor-gateway."),
    ], show(messages)


def test_analyze_offline_is_quiet_when_the_gateway_is_there():
    gw = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": meta("harbor-gateway"),
          "spec": {"selector": {"istio": "ingressgateway"}, "servers": [
              {"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
               "tls": {"mode": "SIMPLE", "credentialName": "harbor-tls"}, "hosts": [HOST]}]}}
    messages = analyze([harbor_vs(), gw])
    assert messages == [], show(messages)


@pytest.mark.parametrize("port,expected", [
    ({"name": "foo", "port": 8080, "targetPort": 8080}, ["IST0118"]),
    ({"port": 8080, "targetPort": 8080}, ["IST0118"]),
    ({"name": "http-web", "port": 8080, "targetPort": 8080}, []),
    ({"name": "web", "appProtocol": "http", "port": 8080, "targetPort": 8080}, []),
], ids=["named foo", "unnamed", "named http-web", "appProtocol http"])
def test_analyze_on_the_lab_reports_ports_istio_cannot_classify(east, port, expected):
    ns = unique("ij-ports")
    messages = analyze([namespace(ns, {"istio-injection": "enabled"}), service("web", ns, [port])],
                       namespace=ns, kubeconfig=east)
    port_messages = [m for m in messages if m["origin"] == "Service %s/web" % ns]
    assert codes(port_messages) == expected, show(messages)
    assert all(m["level"] == "Info" for m in port_messages), show(messages)
    assert codes(messages) == expected, show(messages)


def test_analyze_on_the_lab_reports_a_missing_service_and_gateway_workload(east):
    ns = unique("ij-hosts")
    gw = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": meta("harbor-gateway", ns),
          "spec": {"selector": {"istio": "ingressgateway"}, "servers": [
              {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": [HOST]}]}}
    messages = analyze([namespace(ns, {"istio-injection": "enabled"}),
                        service("harbor-core", ns, [{"name": "http-web", "port": 80, "targetPort": 8080}]),
                        harbor_vs(ns, "%s/harbor-gateway" % ns), gw], namespace=ns, kubeconfig=east)
    found = sorted((m["code"], m["level"], m["origin"].replace(ns, "ns"), m["message"]) for m in messages)
    assert found == [
        ("IST0101", "Error", "Gateway ns/harbor-gateway", 'Referenced selector not found: "istio=ingressgateway"'),
        ("IST0101", "Error", "VirtualService ns/harbor", 'Referenced host not found: "harbor-portal"'),
    ], show(messages)


# --- what the collection's builders produce today -------------------------------------
# Typical Harbor arguments, as istio_vs's EXAMPLES and istio_harbor_security's defaults
# call them (tests/unit/plugins/module_utils/istio/ for the calls).

def svc_host(name, ns):
    return "%s.%s.svc.cluster.local" % (name, ns)


def istio_vs_objects(ns, gw_ns):
    """istio_vs's builder with Harbor's layout from its EXAMPLES."""
    return [virtual_service.manifest("harbor", ns, "v1", [HOST], gateways=["%s/harbor-gateway" % gw_ns], http=[
        {"name": "harbor-core", "match": [{"uri": {"prefix": p}} for p in CORE_PREFIXES]
         + [{"uri": {"exact": "/service/token"}}],
         "route": [{"host": svc_host("harbor-core", ns), "port": 80}]},
        {"name": "internal", "match": [{"uri": {"prefix": "/service/"}}], "direct_response": {"status": 404}},
        {"name": "harbor-portal", "match": [{"uri": {"prefix": "/"}}],
         "route": [{"host": svc_host("harbor-portal", ns), "port": 80}]},
    ])]


PORTAL = {"app": "harbor", "component": "portal"}
REGISTRY = {"app": "harbor", "component": "registry"}


def harbor_security_objects(ns, gw_ns):
    """Every object istio_harbor_security's builders make, each remedy and JWT mode once."""
    return [
        hs.gateway("harbor-gateway", gw_ns, HOST, "harbor-tls", {"istio": "ingressgateway"}),
        hs.routes("harbor", ns, HOST, "%s/harbor-gateway" % gw_ns, svc_host("harbor-core", ns),
                  svc_host("harbor-portal", ns)),
        hs.peer_authentication(ns),
        hs.registry_host_entry("harbor-registry-host", ns, HOST),
        hs.registry_host_route("harbor-registry-host", ns, HOST, svc_host("harbor-registry", ns)),
        hs.registry_port_permissive("harbor-registry-permissive", ns, REGISTRY),
        hs.request_authentication("harbor-jwt", ns, PORTAL, ISSUER),
        hs.require_jwt("harbor-portal-require-jwt", ns, PORTAL),
        hs.request_authentication("harbor-jwt-header", ns, {"app": "harbor", "component": "core"}, ISSUER,
                                  header=hs.DEFAULT_JWT_HEADER),
    ]


def by_object(objects):
    return ["%s %s/%s" % (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects]


def test_istio_vs_builder_output_passes_validate():
    ok, output = validate(istio_vs_objects("harbor", "istio-ingress"))
    assert ok, output
    assert output == '"objects.yaml" is valid'


@pytest.mark.parametrize("index", range(len(harbor_security_objects("harbor", "istio-ingress"))),
                         ids=by_object(harbor_security_objects("harbor", "istio-ingress")))
def test_istio_harbor_security_builder_output_passes_validate(index):
    ok, output = validate([harbor_security_objects("harbor", "istio-ingress")[index]])
    assert ok, output
    assert output == '"objects.yaml" is valid'


# Today's offline findings on the builders' objects together: none.
OFFLINE_FINDINGS = []


def test_builders_output_analyzed_offline():
    messages = analyze(istio_vs_objects("harbor", "istio-ingress")
                       + harbor_security_objects("harbor", "istio-ingress"))
    assert [(m["code"], m["level"], m["origin"]) for m in messages] == OFFLINE_FINDINGS, show(messages)


def harbor_chart(lab, ns):
    """The real chart's objects as the harbor role renders it behind Istio."""
    helm, chart = require(lab, "HELM", "HARBOR_CHART")
    out = subprocess.run(
        [helm, "template", "harbor", chart, "--namespace", ns, "--set", "expose.type=clusterIP",
         "--set", "expose.tls.enabled=false", "--set", "internalTLS.enabled=false",
         "--set", "externalURL=https://" + HOST], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def workload_pods(chart, ns):
    """One injected pod per Deployment/StatefulSet, with its template's labels."""
    return [pod(d["metadata"]["name"] + "-0", ns, d["spec"]["template"]["metadata"]["labels"])
            for d in chart if d["kind"] in ("Deployment", "StatefulSet")]


def ingress_gateway(gw_ns, lab):
    """What an Istio ingress gateway install leaves in its namespace, with Harbor's TLS Secret."""
    (state,) = require(lab, "LAB_STATE")
    ca_dir = state + "/pki"
    with open(ca_dir + "/server.crt") as crt, open(ca_dir + "/server.key") as key:
        tls = {"tls.crt": base64.b64encode(crt.read().encode()).decode(),
               "tls.key": base64.b64encode(key.read().encode()).decode()}
    labels = {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    return [
        namespace(gw_ns, {"istio-injection": "disabled"}),
        service("istio-ingressgateway", gw_ns, [{"name": "http2", "port": 80, "targetPort": 8080},
                                                {"name": "https", "port": 443, "targetPort": 8443}], labels),
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "istio-ingressgateway-0", "namespace": gw_ns, "labels": labels},
         "spec": {"containers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.30.3",
                                  "ports": [{"containerPort": 8080}, {"containerPort": 8443}]}]}},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": meta("harbor-tls", gw_ns),
         "data": tls},
    ]


def chart_world(lab, ns, gw_ns):
    chart = harbor_chart(lab, ns)
    services = [d for d in chart if d["kind"] == "Service"]
    return ([namespace(ns, {"istio-injection": "enabled"})] + services + workload_pods(chart, ns)
            + ingress_gateway(gw_ns, lab))


def lab_findings(messages, ns, gw_ns):
    """(code, level, origin) with the run's namespaces written as harbor / istio-ingress."""
    def plain(text):
        return text.replace(gw_ns, "istio-ingress").replace(ns, "harbor")
    return sorted((m["code"], m["level"], plain(m["origin"])) for m in messages)


# Today's findings on the lab, the same with either builder's objects: the chart's Services
# with unnamed ports (portal 80, database 5432, redis 6379), which Istio classifies by
# sniffing. Nothing about the builders' objects.
CHART_FINDINGS = [
    ("IST0118", "Info", "Service harbor/harbor-database"),
    ("IST0118", "Info", "Service harbor/harbor-portal"),
    ("IST0118", "Info", "Service harbor/harbor-redis"),
]


def test_istio_vs_output_analyzed_on_the_lab_with_the_chart(lab, east):
    ns, gw_ns = unique("ij-harbor"), unique("ij-ingress")
    messages = analyze(chart_world(lab, ns, gw_ns) + istio_vs_objects(ns, gw_ns) + [
        hs.gateway("harbor-gateway", gw_ns, HOST, "harbor-tls", {"istio": "ingressgateway"})],
        namespace=[ns, gw_ns], kubeconfig=east)
    assert lab_findings(messages, ns, gw_ns) == CHART_FINDINGS, show(messages)


def test_istio_harbor_security_output_analyzed_on_the_lab_with_the_chart(lab, east):
    ns, gw_ns = unique("ij-harbor"), unique("ij-ingress")
    messages = analyze(chart_world(lab, ns, gw_ns) + harbor_security_objects(ns, gw_ns),
                       namespace=[ns, gw_ns], kubeconfig=east)
    assert lab_findings(messages, ns, gw_ns) == CHART_FINDINGS, show(messages)
