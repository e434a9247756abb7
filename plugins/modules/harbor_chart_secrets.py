#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_chart_secrets
short_description: Generate the Harbor chart's secrets once, keep them, and point the chart at them
version_added: 0.2.0
description:
  - The official Harbor chart makes up C(core.secret), C(core.xsrfKey), the jobservice and registry
    secrets, the token-signing CA and the registry htpasswd on every render (kept only through Helm's
    C(lookup), which C(helm template) and dry runs do not do). Each new value rolls Deployments; a new
    C(secretKey) makes every stored OIDC client secret and CLI secret unreadable.
  - This module generates them once into one Secret in Harbor's namespace - C(secretKey) (exactly 16
    bytes), C(secret), C(CSRF_KEY) (32), C(JOBSERVICE_SECRET), C(REGISTRY_HTTP_SECRET),
    C(REGISTRY_PASSWD) with its bcrypt C(REGISTRY_HTPASSWD), and a PKCS#1 RSA C(tls.key) with its
    self-signed C(tls.crt) for Harbor's token service - and never regenerates a value. A missing key is
    added; existing ones are never touched.
  - RV(values) holds the chart values that point the chart at the Secret (names only), to merge into
    the Helm values; the rendered chart then holds no secret and renders byte-identically.
  - Values never appear in results, diffs or logs; only key names do.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: Server-side dry run of the Secret.
  diff_mode:
    support: full
    description: The Secret's key names before and after (never values).
requirements:
  - kubernetes
  - cryptography
  - bcrypt (or a system crypt() with bcrypt, as on Debian/Ubuntu with Python < 3.13)
options:
  namespace:
    description: Harbor's namespace.
    type: str
    required: true
  name:
    description: Name of the Secret; by convention C(<release>-berth-secrets).
    type: str
    default: harbor-berth-secrets
  admin_password:
    description:
      - Harbor's initial admin password, stored under C(HARBOR_ADMIN_PASSWORD) when the key is missing
        (Harbor reads it on its first start only); RV(values) then points C(existingSecretAdminPassword) at it.
      - Not set means the admin password is managed elsewhere.
    type: str
  labels:
    description: Extra labels on the Secret.
    type: dict
  state:
    description: C(absent) removes the Secret (Harbor can then no longer read what it encrypted).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Harbor's chart secrets, made once
  berth.platform.harbor_chart_secrets:
    namespace: harbor
    name: harbor-berth-secrets
    admin_password: "{{ vault_harbor_admin_password }}"
  register: chart_secrets

- name: Install Harbor with them
  kubernetes.core.helm:
    name: harbor
    chart_ref: harbor/harbor
    chart_version: 1.19.1
    release_namespace: harbor
    values: "{{ harbor_values | combine(chart_secrets.values, recursive=true) }}"
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update) (keys added), C(delete), C(none).
  returned: always
  type: str
  sample: none
secret:
  description: The Secret's name, namespace and key names (never values).
  returned: always
  type: dict
  sample: {name: harbor-berth-secrets, namespace: harbor, keys: [CSRF_KEY, JOBSERVICE_SECRET, secret, secretKey]}
values:
  description: Chart values (names only) that make the chart use the Secret.
  returned: always
  type: dict
  sample:
    existingSecretSecretKey: harbor-berth-secrets
    core: {existingSecret: harbor-berth-secrets, existingXsrfSecret: harbor-berth-secrets,
           existingXsrfSecretKey: CSRF_KEY, secretName: harbor-berth-secrets}
    jobservice: {existingSecret: harbor-berth-secrets, existingSecretKey: JOBSERVICE_SECRET}
    registry: {existingSecret: harbor-berth-secrets, existingSecretKey: REGISTRY_HTTP_SECRET,
               credentials: {username: harbor_registry_user, existingSecret: harbor-berth-secrets}}
"""

from ansible_collections.berth.platform.plugins.module_utils.harbor.chart_secrets import (
    ChartSecretAdapter, chart_values, wanted_keys,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    name=dict(type="str", default="harbor-berth-secrets"),
    admin_password=dict(type="str", no_log=True),
    labels=dict(type="dict"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True)
    p = module.params
    adapter = ChartSecretAdapter(module.k8s_client(), p["namespace"], p["admin_password"], p["labels"])
    desired = dict(name=p["name"], namespace=p["namespace"], keys=wanted_keys(p["admin_password"]))
    module.ensure(adapter, desired, state=p["state"], result_key="secret",
                  extra=lambda outcome: dict(values=chart_values(p["name"], p["admin_password"] is not None)))


if __name__ == "__main__":
    main()
