#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: registry_pull_secret
short_description: Registry credentials as a Kubernetes Secret, linked to ServiceAccounts
version_added: 0.2.0
description:
  - Ensures a C(kubernetes.io/dockerconfigjson) Secret holding one registry's credentials
    (for example a Harbor pull robot) and adds it to the C(imagePullSecrets) of the listed
    ServiceAccounts without dropping the others.
  - With O(secret_type=config_json) writes an C(Opaque) Secret with a C(config.json) key
    instead, the shape CI builders such as Kaniko or buildah mount to push images. Such a
    Secret is never linked to ServiceAccounts (Kubernetes would not use it to pull); asking
    for a link fails clearly, see O(service_accounts).
  - The credential is compared with what the cluster holds in memory; it never appears in
    results, diffs or logs (the diff shows C(<redacted>)). RV(config_hash) fingerprints it.
  - O(state=absent) removes the Secret from the ServiceAccounts, then deletes it.
  - Check mode uses server-side dry run.
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
    description: Secret data shows as C(<redacted>); ServiceAccount links show as lists of names.
options:
  name:
    description: Name of the Secret.
    type: str
    required: true
  namespace:
    description: Namespace of the Secret and the ServiceAccounts.
    type: str
    required: true
  state:
    description: Whether the Secret should exist.
    type: str
    choices: [present, absent]
    default: present
  secret_type:
    description:
      - C(dockerconfigjson) for image pulls, C(config_json) for CI tools that read a C(config.json) file.
    type: str
    choices: [dockerconfigjson, config_json]
    default: dockerconfigjson
  registry:
    description: Registry host and optional port, for example C(harbor.example.com). Required with O(state=present).
    type: str
  username:
    description: Registry user, for example a Harbor robot C(robot$team-a+pull). Required with O(state=present).
    type: str
  password:
    description: Password or robot secret. Required with O(state=present).
    type: str
  email:
    description: Optional e-mail recorded in the config.
    type: str
  labels:
    description: Labels of the Secret.
    type: dict
  service_accounts:
    description:
      - ServiceAccounts whose C(imagePullSecrets) get this Secret; a missing one is created.
        An empty list links none.
      - Not set means C([default]) with O(secret_type=dockerconfigjson) and none with
        O(secret_type=config_json).
      - Refused with O(secret_type=config_json) and O(state=present) - the module fails before
        anything is written. Kubernetes only uses C(kubernetes.io/dockerconfigjson) (and legacy
        C(kubernetes.io/dockercfg)) Secrets from C(imagePullSecrets); the kubelet skips an
        C(Opaque) Secret there without a word, so a link would look like it works and never
        would. Pods that pull need a O(secret_type=dockerconfigjson) Secret (a second task with
        another O(name)); a C(config_json) Secret is mounted by the CI job that pushes.
      - With O(state=absent) the Secret is removed from these ServiceAccounts whatever its type.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Pull secret from the team's Harbor pull robot, on the default ServiceAccount
  berth.platform.registry_pull_secret:
    name: harbor-pull
    namespace: team-a
    registry: harbor.example.com
    username: "{{ pull_robot.robot.name }}"
    password: "{{ pull_robot.secret }}"
    service_accounts: [default, builder]

- name: Push credentials for Kaniko (config.json key), linked to no ServiceAccount
  berth.platform.registry_pull_secret:
    name: harbor-push
    namespace: team-a-ci
    secret_type: config_json
    registry: harbor.example.com
    username: "{{ push_robot.robot.name }}"
    password: "{{ push_robot.secret }}"
    service_accounts: []

- name: Remove the pull secret and unlink it
  berth.platform.registry_pull_secret:
    name: harbor-pull
    namespace: team-a
    state: absent
    service_accounts: [default, builder]
"""

RETURN = r"""
secret:
  description: The Secret without server-managed fields; C(data) is always C(<redacted>).
  returned: always
  type: dict
  sample:
    apiVersion: v1
    kind: Secret
    metadata: {name: harbor-pull, namespace: team-a}
    type: kubernetes.io/dockerconfigjson
    data: <redacted>
config_hash:
  description: sha256 of the canonical docker config; changes exactly when the credential changes.
  returned: when O(state=present)
  type: str
  sample: 3f1c0e0d2b6c8f7d4c1b3a29e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9
service_accounts:
  description: For each ServiceAccount, its imagePullSecrets names before and after.
  returned: always
  type: dict
  sample: {default: {before: [other], after: [other, harbor-pull]}}
action:
  description: What was done to the Secret, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: create
"""

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.k8s import registry_secret as rs
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    secret_type=dict(type="str", choices=["dockerconfigjson", "config_json"], default="dockerconfigjson"),
    registry=dict(type="str"),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    email=dict(type="str"),
    labels=dict(type="dict"),
    service_accounts=dict(type="list", elements="str"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True,
                         required_if=[("state", "present", ["registry", "username", "password"])])
    p = module.params
    present = p["state"] == "present"
    try:  # before any connection: a link the kubelet would ignore is refused
        service_accounts = rs.service_accounts_for(p["secret_type"], p["service_accounts"], present)
    except BerthError as exc:
        module.fail_error(exc)

    def action():
        client = module.k8s_client()
        config_text = None
        if present:
            config_text = rs.docker_config(p["registry"], p["username"], p["password"], p["email"])
        desired = rs.manifest(p["name"], p["namespace"], p["secret_type"], config_text, p["labels"])
        adapter = rs.RegistrySecretAdapter(client, kind="secret")
        links = {}
        if not present:  # unlink first: never leave a ServiceAccount naming a missing Secret
            links = link_all(client, service_accounts, present)
        outcome = ensure(adapter, desired, state=p["state"], check_mode=module.check_mode)
        if present:
            links = link_all(client, service_accounts, present)
        linked_changed = any(v["before"] != v["after"] for v in links.values())
        result = dict(changed=outcome.changed or linked_changed, action=outcome.action,
                      service_accounts=links)
        result["secret"] = outcome.shown(adapter)
        if config_text is not None:
            result["config_hash"] = rs.config_hash(config_text)
        if module._diff:
            diff = outcome.diff()
            diff["before"] = dict(diff["before"], service_accounts=dict((k, v["before"]) for k, v in links.items()))
            diff["after"] = dict(diff["after"], service_accounts=dict((k, v["after"]) for k, v in links.items()))
            result["diff"] = diff
        return result

    def link_all(client, names, link):
        out = {}
        for sa in names:
            before, after = rs.link_service_account(client, p["namespace"], sa, p["name"], link,
                                                    dry_run=module.check_mode)
            out[sa] = dict(before=before, after=after)
        return out

    module.run(action)


if __name__ == "__main__":
    main()
