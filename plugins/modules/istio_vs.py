#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_vs
short_description: Manage an Istio VirtualService from a readable, validated spec
version_added: 0.1.0
description:
  - Creates, updates or deletes an Istio C(VirtualService) with server-side apply
    (field manager C(berth.platform)).
  - Validates the routes before sending (a route without destination, an empty
    match, a port outside 1-65535, weights that do not add up to 100) and leaves
    the rest to the CRD schema on the API server.
  - Check mode sends a server-side dry run, so the API server still validates the object.
  - Uses C(networking.istio.io/v1), or C(v1beta1) where the cluster does not serve C(v1).
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: Server-side dry run; nothing is stored.
  diff_mode:
    support: full
    description: Shows the managed fields before and after; server-managed fields are left out.
options:
  name:
    description: Name of the VirtualService.
    type: str
    required: true
  namespace:
    description: Namespace of the VirtualService.
    type: str
    required: true
  state:
    description: Whether the VirtualService should exist.
    type: str
    choices: [present, absent]
    default: present
  api_version:
    description: Version of C(networking.istio.io) to use; C(auto) picks C(v1) when served.
    type: str
    choices: [auto, v1, v1beta1]
    default: auto
  labels:
    description: Labels of the VirtualService.
    type: dict
  hosts:
    description: Destination hosts this VirtualService applies to. Required with O(state=present).
    type: list
    elements: str
  gateways:
    description: Gateways (C(namespace/name)) and/or C(mesh) the routes apply to.
    type: list
    elements: str
  export_to:
    description: Namespaces this VirtualService is visible to (C(.) for its own, C(*) for all).
    type: list
    elements: str
  http:
    description: HTTP routes, evaluated in order; the first match wins.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the route, for logs and debugging.
        type: str
      match:
        description: Conditions (any one of them) for this route; leave out to match everything.
        type: list
        elements: dict
        suboptions:
          uri:
            description: 'URI match: exactly one of C(exact), C(prefix), C(regex), for example C({prefix: /v2/}).'
            type: dict
          method:
            description: HTTP method match, exactly one of C(exact), C(prefix), C(regex).
            type: dict
          headers:
            description: Header name to a match with exactly one of C(exact), C(prefix), C(regex).
            type: dict
      route:
        description: Destinations of matching requests.
        type: list
        elements: dict
        suboptions:
          host:
            description: Service host, for example C(harbor-core.harbor.svc.cluster.local).
            type: str
            required: true
          port:
            description: Service port (1-65535).
            type: int
          subset:
            description: Subset of a DestinationRule.
            type: str
          weight:
            description: Share of traffic in percent; the weights of a route must add up to 100.
            type: int
      redirect:
        description: Answer with a redirect instead of routing.
        type: dict
        suboptions:
          uri:
            description: Path to redirect to.
            type: str
          authority:
            description: Host to redirect to.
            type: str
          redirect_code:
            description: HTTP status of the redirect.
            type: int
      rewrite:
        description: Rewrite the URI or authority before forwarding.
        type: dict
        suboptions:
          uri:
            description: New URI (prefix).
            type: str
          authority:
            description: New authority (Host header).
            type: str
      timeout:
        description: Timeout for the route, for example C(30s).
        type: str
      retries:
        description: Retry policy of the route.
        type: dict
        suboptions:
          attempts:
            description: Number of retries.
            type: int
          per_try_timeout:
            description: Timeout per try, for example C(2s).
            type: str
          retry_on:
            description: Conditions to retry on, for example C(5xx,connect-failure).
            type: str
      headers:
        description: Header manipulation (Istio's C(headers) object, passed as given).
        type: dict
"""

EXAMPLES = r"""
- name: Route Harbor's API and registry paths to harbor-core, the rest to the portal
  berth.platform.istio_vs:
    name: harbor
    namespace: harbor
    hosts: [harbor.example.com]
    gateways: [harbor/harbor-gateway]
    http:
      - name: core
        match:
          - uri: {prefix: /api/}
          - uri: {prefix: /c/}
          - uri: {prefix: /chartrepo/}
          - uri: {prefix: /service/}
          - uri: {prefix: /v1/}
          - uri: {prefix: /v2/}
        route:
          - host: harbor-core.harbor.svc.cluster.local
            port: 80
      - name: portal
        match:
          - uri: {prefix: /}
        route:
          - host: harbor-portal.harbor.svc.cluster.local
            port: 80

- name: Canary 10 % of traffic
  berth.platform.istio_vs:
    name: shop
    namespace: shop
    hosts: [shop]
    http:
      - route:
          - {host: shop, subset: stable, weight: 90}
          - {host: shop, subset: canary, weight: 10}
        retries: {attempts: 3, per_try_timeout: 2s, retry_on: 5xx}

- name: Remove it
  berth.platform.istio_vs:
    name: shop
    namespace: shop
    state: absent
"""

RETURN = r"""
virtual_service:
  description: The VirtualService as stored (or, in check mode, as it would be), without server-managed fields.
  returned: always
  type: dict
  sample:
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: harbor, namespace: harbor}
    spec:
      hosts: [harbor.example.com]
      http:
        - match: [{uri: {prefix: /v2/}}]
          route: [{destination: {host: harbor-core, port: {number: 80}}}]
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: create
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

STRING_MATCH = dict(type="dict")
ROUTE = dict(
    name=dict(type="str"),
    match=dict(type="list", elements="dict", options=dict(
        uri=STRING_MATCH, method=STRING_MATCH, headers=dict(type="dict"))),
    route=dict(type="list", elements="dict", options=dict(
        host=dict(type="str", required=True), port=dict(type="int"),
        subset=dict(type="str"), weight=dict(type="int"))),
    redirect=dict(type="dict", options=dict(
        uri=dict(type="str"), authority=dict(type="str"), redirect_code=dict(type="int"))),
    rewrite=dict(type="dict", options=dict(uri=dict(type="str"), authority=dict(type="str"))),
    timeout=dict(type="str"),
    retries=dict(type="dict", options=dict(
        attempts=dict(type="int"), per_try_timeout=dict(type="str"), retry_on=dict(type="str"))),
    headers=dict(type="dict"),
)
ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    api_version=dict(type="str", choices=["auto", "v1", "v1beta1"], default="auto"),
    labels=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    gateways=dict(type="list", elements="str"),
    export_to=dict(type="list", elements="str"),
    http=dict(type="list", elements="dict", default=[], options=ROUTE),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True,
                         required_if=[("state", "present", ["hosts"])])
    p = module.params
    client = module.k8s_client()
    try:
        version = p["api_version"]
        if version == "auto":
            version = client.preferred_version("networking.istio.io", "VirtualService")
        if p["state"] == "absent":
            desired = {"apiVersion": "networking.istio.io/" + version, "kind": "VirtualService",
                       "metadata": {"name": p["name"], "namespace": p["namespace"]}}
        else:
            desired = virtual_service.manifest(
                p["name"], p["namespace"], version, p["hosts"], gateways=p["gateways"],
                http=p["http"], export_to=p["export_to"], labels=p["labels"])
    except BerthError as exc:
        module.fail_error(exc)
    module.ensure(ManifestAdapter(client, kind="virtual_service"), desired, state=p["state"])


if __name__ == "__main__":
    main()
