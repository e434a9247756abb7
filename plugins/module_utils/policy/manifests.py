# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifests from data, YAML text and files, as one flat list of objects (no Ansible here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

# Cluster-scoped kinds that appear in charts; they never get a default namespace.
CLUSTER_SCOPED = frozenset(("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                            "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
                            "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                            "ConstraintTemplate", "APIService"))


def _flatten(obj, where):
    if obj is None:
        return []
    if not isinstance(obj, dict) or not obj.get("kind") or not obj.get("apiVersion"):
        raise ValidationError("%s is not a Kubernetes object (apiVersion and kind needed)" % where, service="opa")
    if obj["kind"].endswith("List") and isinstance(obj.get("items"), list):
        found = []
        for index, item in enumerate(obj["items"]):
            found.extend(_flatten(item, "%s items[%d]" % (where, index)))
        return found
    return [obj]


def _load_yaml(text, where):
    try:
        return list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ValidationError("%s is not valid YAML: %s" % (where, exc), service="opa")


def collect(manifests, manifest_text, manifest_files, namespace=None):
    """Every object, ``List`` kinds expanded, ``namespace`` given to namespaced objects without one."""
    objects = []
    for index, obj in enumerate(manifests or []):
        objects.extend(_flatten(obj, "manifests[%d]" % index))
    if manifest_text:
        for index, obj in enumerate(_load_yaml(manifest_text, "manifest_text")):
            objects.extend(_flatten(obj, "manifest_text document %d" % (index + 1)))
    for path in manifest_files or []:
        try:
            with open(path) as handle:
                text = handle.read()
        except (IOError, OSError) as exc:
            raise ValidationError("manifest_files: cannot read %s: %s" % (path, exc), service="opa")
        for index, obj in enumerate(_load_yaml(text, path)):
            objects.extend(_flatten(obj, "%s document %d" % (path, index + 1)))
    if namespace:
        for obj in objects:
            metadata = obj.setdefault("metadata", {})
            if not metadata.get("namespace") and obj["kind"] not in CLUSTER_SCOPED:
                metadata["namespace"] = namespace
    return objects


def require_objects(objects, manifests, manifest_text, manifest_files):
    """Refuse a check with nothing to judge: "0 objects checked, no violation" would pass a gate
    that looked at nothing (a misspelt variable, an empty render)."""
    if objects:
        return
    given = [name for name, value in (("manifests", manifests), ("manifest_text", manifest_text),
                                      ("manifest_files", manifest_files)) if value]
    if not given:
        raise ValidationError("no manifests to check: set manifests, manifest_text or manifest_files",
                              service="opa")
    raise ValidationError("no manifests to check: %s hold%s no Kubernetes object (a check of nothing would "
                          "pass); give manifests, manifest_text or manifest_files with at least one object"
                          % (" and ".join(given), "" if len(given) > 1 else "s"), service="opa")
