#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_port_names
short_description: Find (and fix) Service ports whose protocol Istio cannot tell
version_added: 0.2.0
description:
  - Inspects the Services of a namespace and reports every port whose name does not follow
    Istio's convention (C(http), C(http-*), C(https-*), C(grpc-*), C(tcp-*), C(tls-*), ...)
    and that has no C(appProtocol) either.
  - Such ports are sniffed or treated as opaque TCP. For Harbor this silently breaks
    harbor-core to registry traffic in the mesh, and C(docker login) fails with
    C(authentication required).
  - With O(fix=true) sets C(appProtocol) on those ports (names are left alone, so nothing
    that refers to them breaks). The write tests the Service's resourceVersion first, so a
    concurrent change is never overwritten.
  - Chart-managed Services are reverted by C(helm upgrade); run this after every Harbor
    install or upgrade (the harbor role does), or use a Helm post-renderer.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: With O(fix=true), the patch is sent as a server-side dry run.
  diff_mode:
    support: full
    description: Shows the C(appProtocol) of each fixed port before and after.
options:
  namespace:
    description: Namespace whose Services are inspected.
    type: str
    required: true
  services:
    description: Only these Services (by name); all Services of the namespace when left out.
    type: list
    elements: str
  label_selector:
    description: Only Services matching this label selector, for example C(app=harbor).
    type: str
  fix:
    description: Set C(appProtocol) on every non-compliant port.
    type: bool
    default: false
  app_protocols:
    description:
      - The C(appProtocol) to set, by C(service/port) or by C(service); overrides the guess
        (C(https) for 443 and 8443, C(http) for 80, 3000, 5000, 8000, 8080, 9000, else C(tcp)).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Report Harbor's Services that Istio will mis-detect
  berth.platform.istio_port_names:
    namespace: harbor
  register: ports

- name: Fail the play when anything is non-compliant
  ansible.builtin.assert:
    that: ports.noncompliant | length == 0
    fail_msg: "{{ ports.noncompliant | map(attribute='reason') | list }}"

- name: Fix them after a helm upgrade (database and redis as plain TCP)
  berth.platform.istio_port_names:
    namespace: harbor
    label_selector: app=harbor
    fix: true
    app_protocols:
      harbor-database: tcp
      harbor-redis: tcp
"""

RETURN = r"""
ports:
  description: Every inspected port.
  returned: always
  type: list
  elements: dict
  sample:
    - {service: harbor-registry, index: 0, name: http-registry, port: 5000, target_port: 5000,
       app_protocol: null, compliant: true, reason: name declares http, suggested_app_protocol: null}
noncompliant:
  description: The ports that were not compliant before this run (fixed ones included).
  returned: always
  type: list
  elements: dict
  sample:
    - {service: harbor-portal, index: 0, name: null, port: 80, target_port: 8080, app_protocol: null,
       compliant: false, reason: unnamed port without appProtocol, suggested_app_protocol: http}
fixed:
  description: C(service/port) to the C(appProtocol) set (or, in check mode, that would be set).
  returned: always
  type: dict
  sample: {harbor-portal/80: http}
"""

from ansible_collections.berth.platform.plugins.module_utils.istio.port_names import inspect_service
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    services=dict(type="list", elements="str"),
    label_selector=dict(type="str"),
    fix=dict(type="bool", default=False),
    app_protocols=dict(type="dict", default={}),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True)
    p = module.params

    def action():
        client = module.k8s_client()
        services = client.list("v1", "Service", namespace=p["namespace"], label_selector=p["label_selector"])
        if p["services"]:
            services = [s for s in services if s["metadata"]["name"] in p["services"]]
        reports, noncompliant, fixed = [], [], {}
        before, after = {}, {}
        for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
            svc_reports = inspect_service(svc, p["app_protocols"])
            reports.extend(svc_reports)
            bad = [r for r in svc_reports if not r["compliant"]]
            noncompliant.extend(bad)
            if p["fix"] and bad:
                operations = [{"op": "test", "path": "/metadata/resourceVersion",
                               "value": svc["metadata"]["resourceVersion"]}]
                for r in bad:
                    operations.append({"op": "add", "path": "/spec/ports/%d/appProtocol" % r["index"],
                                       "value": r["suggested_app_protocol"]})
                    key = "%s/%s" % (r["service"], r["port"])
                    fixed[key] = r["suggested_app_protocol"]
                    before[key] = r["app_protocol"]
                    after[key] = r["suggested_app_protocol"]
                client.json_patch("v1", "Service", svc["metadata"]["name"], p["namespace"], operations,
                                  dry_run=module.check_mode)
        result = dict(changed=bool(fixed), ports=reports, noncompliant=noncompliant, fixed=fixed)
        if module._diff:
            result["diff"] = dict(before=before, after=after)
        return result

    module.run(action)


if __name__ == "__main__":
    main()
