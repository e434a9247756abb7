# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: referenced_secrets
short_description: The Secrets a rendered chart's pods need that the chart does not make
version_added: 0.2.0
description:
  - Reads rendered manifests (C(helm template) output) and lists every Secret their pod templates
    reference - C(env[].valueFrom.secretKeyRef), C(envFrom[].secretRef), C(volumes[].secret) (keys from its
    C(items) or the C(subPath) of its mounts), C(imagePullSecrets) - that the manifests themselves do not
    create, with the keys used and who uses them.
  - Secrets a chart reads at render time (Helm C(lookup)) are not in the manifests; list those yourself.
  - References marked C(optional) are left out. Use it to stop before C(helm install) when a Secret that
    must exist beforehand (external database or Redis credentials, object storage keys, an admin password
    Secret) is missing, instead of pods that never start.
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: The rendered manifests, one YAML stream.
    type: str
    required: true
  exclude:
    description: Secret names to leave out (for example the ones the next task creates).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Secrets the release needs that do not come with it
  ansible.builtin.debug:
    msg: "{{ rendered.stdout | berth.platform.referenced_secrets(exclude=['harbor-berth-secrets']) }}"
"""

RETURN = r"""
_value:
  description: One entry per Secret, sorted by name.
  type: list
  elements: dict
  sample:
    - name: harbor-db
      keys: [password]
      used_by: [Deployment/harbor-core, Deployment/harbor-exporter]
"""

from ansible.errors import AnsibleFilterError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

_POD_PATHS = {"Pod": (), "CronJob": ("spec", "jobTemplate", "spec", "template")}


def _pod_spec(doc):
    spec = doc.get("spec") or {}
    if doc.get("kind") == "Pod":
        return spec
    if doc.get("kind") == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def _references(pod):
    """(secret name, key or None) pairs of one pod spec; optional references left out."""
    found = []
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        for env in container.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                found.append((ref.get("name"), ref.get("key")))
        for source in container.get("envFrom") or []:
            ref = source.get("secretRef")
            if ref and not ref.get("optional"):
                found.append((ref.get("name"), None))
    containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
    for volume in pod.get("volumes") or []:
        ref = volume.get("secret")
        if ref and not ref.get("optional"):
            # A key is needed when the volume lists it, or a mount takes it as subPath.
            keys = [item.get("key") for item in ref.get("items") or []]
            if not keys:
                keys = [mount["subPath"] for c in containers for mount in c.get("volumeMounts") or []
                        if mount.get("name") == volume.get("name") and mount.get("subPath")]
            found.extend((ref.get("secretName"), key) for key in keys or [None])
    for ref in pod.get("imagePullSecrets") or []:
        found.append((ref.get("name"), None))
    return found


def referenced_secrets(rendered, exclude=None):
    if yaml is None:
        raise AnsibleFilterError("referenced_secrets needs PyYAML")
    if not isinstance(rendered, str):
        raise AnsibleFilterError("referenced_secrets expects the rendered manifests as a string")
    try:
        docs = [d for d in yaml.safe_load_all(rendered) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        raise AnsibleFilterError("referenced_secrets: the manifests are not YAML: %s" % exc)
    made = set(d["metadata"]["name"] for d in docs if d.get("kind") == "Secret" and d.get("metadata"))
    made.update(exclude or [])
    wanted = {}
    for doc in docs:
        for name, key in _references(_pod_spec(doc)):
            if not name or name in made:
                continue
            entry = wanted.setdefault(name, {"name": name, "keys": set(), "used_by": set()})
            if key:
                entry["keys"].add(key)
            entry["used_by"].add("%s/%s" % (doc.get("kind"), (doc.get("metadata") or {}).get("name")))
    return [dict(name=e["name"], keys=sorted(e["keys"]), used_by=sorted(e["used_by"]))
            for e in sorted(wanted.values(), key=lambda e: e["name"])]


class FilterModule(object):
    def filters(self):
        return {"referenced_secrets": referenced_secrets}
