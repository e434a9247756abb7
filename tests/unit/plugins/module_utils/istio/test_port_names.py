import pytest

from ansible_collections.berth.platform.plugins.module_utils.istio.port_names import (
    inspect_service, protocol_from_name,
)


@pytest.mark.parametrize("name,proto", [
    ("http", "http"), ("http-registry", "http"), ("http2-x", "http2"), ("grpc-web-ui", "grpc-web"),
    ("grpc", "grpc"), ("tcp-db", "tcp"), ("tls-x", "tls"), ("https-admin", "https"),
    ("web", None), ("httpx", None), ("registry-http", None), (None, None), ("", None),
])
def test_protocol_from_name(name, proto):
    assert protocol_from_name(name) == proto


def svc(name, *ports):
    return {"metadata": {"name": name}, "spec": {"ports": list(ports)}}


def test_reports_and_suggestions():
    reports = inspect_service(svc("harbor", {"port": 80, "targetPort": 8080},
                                  {"name": "web", "port": 443},
                                  {"name": "db", "port": 5432, "appProtocol": "tcp"},
                                  {"name": "x", "port": 9999, "appProtocol": "bogus"}))
    assert [r["compliant"] for r in reports] == [False, False, True, False]
    assert [r["suggested_app_protocol"] for r in reports] == ["http", "https", None, "tcp"]
    assert reports[0]["reason"] == "unnamed port without appProtocol"
    assert "does not start with a protocol" in reports[1]["reason"]
    assert "not a protocol Istio knows" in reports[3]["reason"]


def test_overrides_by_port_then_service():
    reports = inspect_service(svc("redis", {"port": 6379}, {"port": 80}),
                              {"redis/80": "http2", "redis": "redis"})
    assert [r["suggested_app_protocol"] for r in reports] == ["redis", "http2"]


def test_kubernetes_io_app_protocols_count():
    assert inspect_service(svc("s", {"port": 80, "appProtocol": "kubernetes.io/h2c"}))[0]["compliant"]
