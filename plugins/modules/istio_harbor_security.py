#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_harbor_security
short_description: Gateway, STRICT mTLS and JWT checks for Harbor behind Istio
version_added: 0.1.0
description:
  - Ensures the Istio objects that expose Harbor safely, each with server-side apply
    (field manager C(berth.platform)).
  - C(Gateway) for the Harbor host with a TLS credential; plain HTTP redirected to HTTPS.
  - C(PeerAuthentication) C(default) in the Harbor namespace with mTLS C(STRICT).
  - C(RequestAuthentication) on harbor-core validating JWTs of the Keycloak realm.
  - C(AuthorizationPolicy) on harbor-core that allows requests carrying a valid JWT, and
    requests to the exempt paths without one. C(/v1/), C(/v2/) and C(/service/) are exempt
    by default because docker and containerd clients log in with basic auth and Harbor's
    token service; they never carry a JWT, and requiring one breaks every push and pull.
  - Check mode sends server-side dry runs.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: Server-side dry run for every object.
  diff_mode:
    support: full
    description: Per object, the managed fields before and after.
options:
  namespace:
    description: Namespace Harbor runs in.
    type: str
    required: true
  name:
    description: Base name of the objects (C(<name>-gateway), C(<name>-jwt), C(<name>-require-jwt)).
    type: str
    default: harbor
  harbor_host:
    description: Harbor's public host name, for example C(harbor.example.com).
    type: str
    required: true
  state:
    description:
      - Whether the objects should exist. C(absent) removes all four, the namespace's
        PeerAuthentication C(default) included.
    type: str
    choices: [present, absent]
    default: present
  labels:
    description: Labels put on every object.
    type: dict
  gateway:
    description: The Gateway.
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Manage the Gateway.
        type: bool
        default: true
      selector:
        description: Labels of the ingress gateway workload.
        type: dict
        default: {istio: ingressgateway}
      tls_credential_name:
        description: Name of the TLS Secret (in the ingress gateway's namespace) for O(harbor_host). Required when enabled.
        type: str
      https_redirect:
        description: Redirect plain HTTP to HTTPS.
        type: bool
        default: true
  mtls_mode:
    description: Mode of the namespace-wide PeerAuthentication C(default).
    type: str
    choices: [STRICT, PERMISSIVE]
    default: STRICT
  jwt:
    description: JWT checks on harbor-core. Left out, no RequestAuthentication or AuthorizationPolicy is managed.
    type: dict
    suboptions:
      issuer:
        description: Issuer URL of the Keycloak realm, C(https://<keycloak>/realms/<realm>).
        type: str
        required: true
      jwks_uri:
        description: JWKS URL; defaults to the issuer's C(/protocol/openid-connect/certs).
        type: str
      audiences:
        description: Accepted audiences (for example the Harbor client id).
        type: list
        elements: str
      exempt_paths:
        description:
          - Paths allowed without a JWT. Keep C(/v1/*), C(/v2/*) and C(/service/*) for registry
            clients; add for example C(/c/oidc/*) when browsers log in through Harbor's OIDC flow.
        type: list
        elements: str
        default: ['/v1/*', '/v2/*', '/service/*']
      core_selector:
        description: Labels of the harbor-core pods (the official chart's by default).
        type: dict
        default: {app: harbor, component: core}
"""

EXAMPLES = r"""
- name: Harbor behind Istio with STRICT mTLS and Keycloak JWTs
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      tls_credential_name: harbor-tls
    jwt:
      issuer: https://sso.example.com/realms/platform
      audiences: [harbor]
      exempt_paths: ['/v1/*', '/v2/*', '/service/*', '/c/oidc/*']

- name: Only mTLS, no gateway (exposed by another team's gateway)
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      enabled: false

- name: Remove all of it
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    state: absent
"""

RETURN = r"""
objects:
  description: Per kind, the object as stored (or as it would be in check mode) and what was done.
  returned: always
  type: dict
  sample:
    PeerAuthentication:
      action: none
      object: {apiVersion: security.istio.io/v1, kind: PeerAuthentication,
               metadata: {name: default, namespace: harbor}, spec: {mtls: {mode: STRICT}}}
"""

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    name=dict(type="str", default="harbor"),
    harbor_host=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    labels=dict(type="dict"),
    gateway=dict(type="dict", default={}, options=dict(
        enabled=dict(type="bool", default=True),
        selector=dict(type="dict", default={"istio": "ingressgateway"}),
        tls_credential_name=dict(type="str"),
        https_redirect=dict(type="bool", default=True),
    )),
    mtls_mode=dict(type="str", choices=["STRICT", "PERMISSIVE"], default="STRICT"),
    jwt=dict(type="dict", options=dict(
        issuer=dict(type="str", required=True),
        jwks_uri=dict(type="str"),
        audiences=dict(type="list", elements="str"),
        exempt_paths=dict(type="list", elements="str", default=list(hs.DEFAULT_EXEMPT_PATHS)),
        core_selector=dict(type="dict", default={"app": "harbor", "component": "core"}),
    )),
)


def desired_objects(p, net_version, sec_version):
    """The manifests this run manages (all of them, with names only, for state=absent)."""
    ns, name, labels = p["namespace"], p["name"], p["labels"]
    gw, jwt = p["gateway"], p["jwt"]
    if p["state"] == "absent":
        ident = [("networking.istio.io/" + net_version, "Gateway", name + "-gateway"),
                 ("security.istio.io/" + sec_version, "PeerAuthentication", "default"),
                 ("security.istio.io/" + sec_version, "RequestAuthentication", name + "-jwt"),
                 ("security.istio.io/" + sec_version, "AuthorizationPolicy", name + "-require-jwt")]
        return [{"apiVersion": v, "kind": k, "metadata": {"name": n, "namespace": ns}} for v, k, n in ident]
    objects = []
    if gw["enabled"]:
        objects.append(hs.gateway(name + "-gateway", ns, p["harbor_host"], gw["tls_credential_name"], gw["selector"],
                                  gw["https_redirect"], labels, net_version))
    objects.append(hs.peer_authentication(ns, p["mtls_mode"], labels, sec_version))
    if jwt:
        objects.append(hs.request_authentication(name + "-jwt", ns, jwt["core_selector"], jwt["issuer"],
                                                 jwt["jwks_uri"], jwt["audiences"], labels, sec_version))
        objects.append(hs.authorization_policy(name + "-require-jwt", ns, jwt["core_selector"],
                                               jwt["exempt_paths"], labels, sec_version))
    return objects


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True)
    p = module.params

    def action():
        client = module.k8s_client()
        net = client.preferred_version("networking.istio.io", "Gateway")
        sec = client.preferred_version("security.istio.io", "AuthorizationPolicy")
        objects = desired_objects(p, net, sec)
        results, changed = {}, False
        diff = dict(before={}, after={})
        for obj in objects:
            adapter = ManifestAdapter(client, kind=obj["kind"])
            outcome = ensure(adapter, obj, state=p["state"], check_mode=module.check_mode)
            changed = changed or outcome.changed
            results[obj["kind"]] = dict(action=outcome.action, object=outcome.shown(adapter))
            diff["before"][obj["kind"]] = outcome.before or {}
            diff["after"][obj["kind"]] = outcome.after or {}
        result = dict(changed=changed, objects=results)
        if module._diff:
            result["diff"] = diff
        return result

    module.run(action)  # typed errors, validation included, become one fail_json


if __name__ == "__main__":
    main()
