# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure adapters for Kubernetes objects (any kind, server-side apply)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.k8s.client import FIELD_MANAGER, strip_server_fields


class ManifestAdapter(Adapter):
    """One object described by a full manifest (apiVersion, kind, metadata, spec...).

    Comparison is the engine's partial one: fields the server adds (defaults,
    status, managed fields) never cause a change. Fields we set are owned by our
    field manager (server-side apply): a field that manager owns and the manifest
    no longer names is a change (``dropped``), and the apply then removes it on the
    server - unless another manager owns it too.
    """

    def __init__(self, client, kind="object"):
        self.client = client
        self.kind = kind

    def find(self, desired):
        meta = desired["metadata"]
        return self.client.get(desired["apiVersion"], desired["kind"], meta["name"],
                               meta.get("namespace"))

    def normalize(self, current):
        return strip_server_fields(current)

    def dropped(self, current, desired):
        owned = owned_paths(current, FIELD_MANAGER)
        keys = set(path[0] for path in owned if not names_path(desired, path))
        if keys or not any(isinstance(value_at(current, path), list) for path in owned):
            return sorted(keys)
        # A list the partial comparison passed may still have lost a field inside an item (server-side
        # apply replaces an atomic list whole): the server's dry run of the apply tells.
        after = strip_server_fields(self.client.apply(desired, dry_run=True))
        before = strip_server_fields(current)
        return sorted(k for k in desired if k != "metadata" and before.get(k) != after.get(k))

    def create(self, desired):
        return self.client.apply(desired)

    def update(self, current, desired, changes):
        return self.client.apply(desired)

    def delete(self, current):
        meta = current["metadata"]
        self.client.delete(current["apiVersion"], current["kind"], meta["name"], meta.get("namespace"))

    def preview(self, desired):
        return self.client.apply(desired, dry_run=True)


def _walk_fields(fields, prefix, out):
    """Dict paths in a managedFields ``fieldsV1`` tree; a list's items (``k:``/``v:``/``i:``)
    make the list itself the path (the partial comparison judges lists whole)."""
    children = [key for key in fields if key.startswith("f:")]
    if not children or any(key[:2] in ("k:", "v:", "i:") for key in fields):
        if prefix:
            out.append(tuple(prefix))
        return
    for key in children:
        _walk_fields(fields[key] or {}, prefix + [key[2:]], out)


def owned_paths(obj, manager):
    """The field paths ``manager`` owns by server-side apply in ``obj`` (from its managedFields)."""
    out = []
    for entry in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            _walk_fields(entry.get("fieldsV1") or {}, [], out)
    return out


def value_at(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def names_path(manifest, path):
    """True when ``manifest`` still names ``path`` (or a list or value that contains it)."""
    node = manifest
    for key in path:
        if not isinstance(node, dict):
            return True
        if key not in node or node[key] is None:
            return False
        node = node[key]
    return True
