# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio's protocol selection for Service ports, and what to set where it fails.

Istio picks a port's protocol from ``appProtocol`` or from a name of the form
``<protocol>`` or ``<protocol>-<suffix>``. Anything else is sniffed or treated
as opaque TCP, which among other things breaks harbor-core -> registry traffic
("authentication required" at docker login).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Protocols Istio recognises in a port name or appProtocol.
ISTIO_PROTOCOLS = ("http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "mongo", "mysql",
                   "redis", "udp")
HTTP_PORTS = (80, 3000, 5000, 8000, 8080, 9000)
HTTPS_PORTS = (443, 8443)


def protocol_from_name(name):
    """The protocol a port name declares, or None."""
    if not name:
        return None
    for proto in sorted(ISTIO_PROTOCOLS, key=len, reverse=True):  # grpc-web before grpc
        if name == proto or name.startswith(proto + "-"):
            return proto
    return None


def app_protocol_ok(value):
    if not value:
        return False
    value = value.lower()
    return value in ISTIO_PROTOCOLS or value.startswith("kubernetes.io/")


def guess_protocol(port):
    number = port.get("port")
    if number in HTTPS_PORTS:
        return "https"
    if number in HTTP_PORTS:
        return "http"
    return "tcp"


def inspect_service(service, overrides=None):
    """Reports for each port of one Service (a dict as the API returns it)."""
    overrides = overrides or {}
    name = service["metadata"]["name"]
    reports = []
    for index, port in enumerate(service.get("spec", {}).get("ports") or []):
        port_name = port.get("name")
        app_protocol = port.get("appProtocol")
        declared = protocol_from_name(port_name)
        compliant = app_protocol_ok(app_protocol) or declared is not None
        if compliant:
            reason = ("appProtocol %s" % app_protocol) if app_protocol_ok(app_protocol) \
                else "name declares %s" % declared
        elif app_protocol:
            reason = "appProtocol %r is not a protocol Istio knows" % app_protocol
        elif port_name:
            reason = "name %r does not start with a protocol (http-, grpc-, tcp-, ...)" % port_name
        else:
            reason = "unnamed port without appProtocol"
        key_port = "%s/%s" % (name, port.get("port"))
        suggestion = overrides.get(key_port) or overrides.get(name) or guess_protocol(port)
        reports.append(dict(
            service=name, index=index, name=port_name, port=port.get("port"),
            target_port=port.get("targetPort"), app_protocol=app_protocol, compliant=compliant,
            reason=reason, suggested_app_protocol=None if compliant else suggestion,
        ))
    return reports
