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
  - With O(internal_database=true) (the chart's own PostgreSQL), the database password is made once too
    (C(DATABASE_PASSWORD), 32 characters) instead of the chart's public default C(changeit). The chart has
    no C(existingSecret) for it, so the module writes the release's C(<fullname>-database) Secret
    (C(POSTGRES_PASSWORD)) before Helm runs, with Helm's ownership metadata so the release adopts it, and
    RV(values) empties C(database.internal.password) so the chart reads it back from there; the value never
    passes through Helm values. A release that already has that Secret keeps its password (the database was
    initialised with it); if it is still C(changeit) the module warns (rotate it by the runbook).
  - Initial-only values are compared, never silently ignored - O(admin_password) against the kept
    C(HARBOR_ADMIN_PASSWORD), and the password in O(admin_password_secret) against a fingerprint (HMAC) taken
    at install. Harbor reads its admin password on its first start only, so a difference is reported in
    RV(drift) and as a warning (change it in Harbor, not here).
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
  admin_password_secret:
    description:
      - An existing Secret in O(namespace) that holds Harbor's initial admin password (the role's
        C(harbor_admin_password_secret)). A missing Secret or key fails before anything is written (in
        check mode on a namespace that does not exist yet, a warning).
      - Its password's fingerprint is kept at install and compared on every run (RV(drift)).
    type: str
  admin_password_secret_key:
    description: The key of O(admin_password_secret) that holds the password.
    type: str
    default: HARBOR_ADMIN_PASSWORD
  internal_database:
    description:
      - The release uses the chart's internal PostgreSQL (C(database.type=internal)) - make its password once
        and write the release's C(<fullname>-database) Secret (see the description).
    type: bool
    default: false
  release:
    description: The Helm release name (the C(<fullname>-database) Secret is named after it, as the chart does).
    type: str
    default: harbor
  fullname_override:
    description: The chart value C(fullnameOverride), when set.
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
    values: "{{ harbor_values | combine(chart_secrets['values'], recursive=true) }}"

- name: With the chart's internal PostgreSQL - its password made once, never the public default
  berth.platform.harbor_chart_secrets:
    namespace: harbor
    name: hub-berth-secrets
    release: hub
    internal_database: true
    admin_password_secret: harbor-admin   # made by you, key HARBOR_ADMIN_PASSWORD
  register: chart_secrets
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
database_secret:
  description: With O(internal_database), the release's C(<fullname>-database) Secret - name, namespace, key names.
  returned: when O(internal_database=true) and O(state=present)
  type: dict
  sample: {name: hub-harbor-database, namespace: harbor, keys: [POSTGRES_PASSWORD]}
drift:
  description:
    - Initial-only inputs that differ from what was kept at install (sentences, never values). Harbor
      does not pick them up again; each is also a warning.
  returned: always
  type: list
  elements: str
  sample: ["admin_password differs from the initial admin password kept in the Secret (key HARBOR_ADMIN_PASSWORD)"]
public_defaults:
  description: Chart values that still hold the chart's public default (only C(database.internal.password) is checked).
  returned: when one is found
  type: list
  elements: str
  sample: [database.internal.password]
"""

from ansible_collections.berth.platform.plugins.module_utils.chart_names import component_name
from ansible_collections.berth.platform.plugins.module_utils.ensure import Prefetched, ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound
from ansible_collections.berth.platform.plugins.module_utils.harbor import chart_secrets as cs
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    name=dict(type="str", default="harbor-berth-secrets"),
    admin_password=dict(type="str", no_log=True),
    admin_password_secret=dict(type="str", no_log=False),
    admin_password_secret_key=dict(type="str", default=cs.ADMIN_KEY, no_log=False),
    internal_database=dict(type="bool", default=False),
    release=dict(type="str", default="harbor"),
    fullname_override=dict(type="str"),
    labels=dict(type="dict"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def read_admin_secret(module, k8s, p):
    """The password in the admin password Secret the chart is pointed at, or None (missing in check
    mode on a fresh cluster: warned). A missing Secret or key fails before anything is written."""
    ns, name, key = p["namespace"], p["admin_password_secret"], p["admin_password_secret_key"]
    secret = k8s.get("v1", "Secret", name, ns)
    if secret is None and module.check_mode and cs.namespace_missing(k8s, ns):
        module.warn("namespace %s does not exist yet, so the admin password Secret %s is not checked" % (ns, name))
        return None
    value = cs.decode(secret).get(key) if secret else None
    if not value:
        raise NotFound("the admin password Secret %s/%s %s" % (ns, name, "has no key %s" % key if secret else "does not exist"),
                       hint="create it before installing Harbor: kubectl -n %s create secret generic %s --from-literal=%s=..."
                       % (ns, name, key))
    return value


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True)
    p = module.params

    def action():
        k8s = module.k8s_client()
        ns, present = p["namespace"], p["state"] == "present"
        internal_db = p["internal_database"] and present
        admin_secret_password = read_admin_secret(module, k8s, p) if p["admin_password_secret"] and present else None
        db_name = component_name("database", p["release"], None, p["fullname_override"]) if internal_db else None
        release_db = k8s.get("v1", "Secret", db_name, ns) if internal_db else None
        release_db_password = cs.decode(release_db).get(cs.CHART_DATABASE_KEY) if release_db else None

        existing = k8s.get("v1", "Secret", p["name"], ns)
        kept = cs.decode(existing)
        # The Secrets just read answer the adapters' first find (no second GET).
        adapter = Prefetched(cs.ChartSecretAdapter(k8s, ns, p["admin_password"], p["labels"],
                                                   database_password=release_db_password if internal_db else False,
                                                   admin_secret_password=admin_secret_password), existing)
        # Keys are only ever added: one that is no longer asked for is kept, and no change.
        keys = sorted(set(cs.wanted_keys(p["admin_password"], internal_db)) | set(kept)
                      | (set([cs.ADMIN_FINGERPRINT_KEY]) if admin_secret_password is not None else set()))
        outcome = ensure(adapter, dict(name=p["name"], namespace=ns, keys=keys), state=p["state"],
                         check_mode=module.check_mode)
        result = dict(changed=outcome.changed, action=outcome.action, secret=outcome.shown(adapter),
                      values=cs.chart_values(p["name"], p["admin_password"] is not None, internal_db),
                      drift=cs.drift(kept, p["admin_password"], admin_secret_password))
        diff = dict(before=dict(secret=outcome.before or {}), after=dict(secret=outcome.after or {}))

        if internal_db:
            final = cs.decode(outcome.resource) if outcome.resource else kept
            password = release_db_password or final.get(cs.DATABASE_KEY) or "(generated)"
            db_adapter = Prefetched(cs.DatabaseSecretAdapter(k8s, ns, p["release"], password), release_db)
            db_outcome = ensure(db_adapter, dict(name=db_name, namespace=ns, keys=[cs.CHART_DATABASE_KEY]),
                                check_mode=module.check_mode)
            result["changed"] = result["changed"] or db_outcome.changed
            result["database_secret"] = db_outcome.shown(db_adapter)
            diff["before"]["database_secret"] = db_outcome.before or {}
            diff["after"]["database_secret"] = db_outcome.after or {}
            if release_db_password and release_db_password != final.get(cs.DATABASE_KEY, release_db_password):
                result["drift"].append("the release's %s holds another database password than %s (key %s)"
                                       % (db_name, p["name"], cs.DATABASE_KEY))
            if password == cs.PUBLIC_DATABASE_PASSWORD:
                module.warn("the internal database of release %s still uses the chart's public default password: "
                            "rotate it (docs/runbooks/harbor-chart-credentials.md)" % p["release"])
                result["public_defaults"] = ["database.internal.password"]
        for sentence in result["drift"]:
            module.warn("%s; Harbor reads it on its first start only, so it still uses the old one "
                        "(docs/runbooks/harbor-chart-credentials.md)" % sentence)
        if module._diff:
            result["diff"] = diff
        return result

    module.run(action)  # typed errors, validation included, become one fail_json


if __name__ == "__main__":
    main()
