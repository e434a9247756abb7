# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Istio objects that put Harbor behind the mesh safely.

- Gateway: HTTPS for the Harbor host with a TLS credential, HTTP redirected.
- PeerAuthentication ``default``: STRICT mTLS for the whole namespace.
- RequestAuthentication: JWTs from the Keycloak realm are validated on harbor-core.
- AuthorizationPolicy: harbor-core allows a request with a valid JWT, or one to the
  exempt paths. ``/v1/ /v2/ /service/`` are exempt by default because docker and
  containerd authenticate with basic auth and Harbor's token service, never a JWT.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

DEFAULT_EXEMPT_PATHS = ("/v1/*", "/v2/*", "/service/*")


def _meta(name, namespace, labels=None):
    meta = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return meta


def gateway(name, namespace, host, credential_name, selector, https_redirect=True, labels=None,
            version="v1"):
    if not credential_name:
        raise ValidationError("gateway.tls_credential_name is required (a TLS Secret for %s in the "
                              "ingress gateway's namespace)" % host)
    servers = [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                "tls": {"mode": "SIMPLE", "credentialName": credential_name}, "hosts": [host]}]
    http = {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": [host]}
    if https_redirect:
        http["tls"] = {"httpsRedirect": True}
    servers.append(http)
    return {"apiVersion": "networking.istio.io/" + version, "kind": "Gateway",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": dict(selector), "servers": servers}}


def peer_authentication(namespace, mode="STRICT", labels=None, version="v1"):
    # Named "default" without a selector: the namespace-wide policy Istio expects.
    return {"apiVersion": "security.istio.io/" + version, "kind": "PeerAuthentication",
            "metadata": _meta("default", namespace, labels), "spec": {"mtls": {"mode": mode}}}


def request_authentication(name, namespace, selector, issuer, jwks_uri=None, audiences=None,
                           labels=None, version="v1"):
    if not issuer or not issuer.startswith("https://"):
        raise ValidationError("jwt.issuer must be the https:// issuer URL of the Keycloak realm, got %r" % issuer)
    rule = {"issuer": issuer,
            "jwksUri": jwks_uri or issuer.rstrip("/") + "/protocol/openid-connect/certs"}
    if audiences:
        rule["audiences"] = list(audiences)
    return {"apiVersion": "security.istio.io/" + version, "kind": "RequestAuthentication",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": {"matchLabels": dict(selector)}, "jwtRules": [rule]}}


def authorization_policy(name, namespace, selector, exempt_paths=DEFAULT_EXEMPT_PATHS, labels=None,
                         version="v1"):
    for path in exempt_paths:
        if not path.startswith("/"):
            raise ValidationError("jwt.exempt_paths entries must start with '/', got %r" % path)
    rules = [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]
    if exempt_paths:
        rules.append({"to": [{"operation": {"paths": list(exempt_paths)}}]})
    return {"apiVersion": "security.istio.io/" + version, "kind": "AuthorizationPolicy",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": {"matchLabels": dict(selector)}, "action": "ALLOW", "rules": rules}}
