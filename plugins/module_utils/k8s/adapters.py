# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure adapters for Kubernetes objects (any kind, server-side apply)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.k8s.client import strip_server_fields


class ManifestAdapter(Adapter):
    """One object described by a full manifest (apiVersion, kind, metadata, spec...).

    Comparison is the engine's partial one: fields the server adds (defaults,
    status, managed fields) never cause a change; fields we set are owned by our
    field manager, so dropping one from the manifest removes it on the server.
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

    def create(self, desired):
        return self.client.apply(desired)

    def update(self, current, desired, changes):
        return self.client.apply(desired)

    def delete(self, current):
        meta = current["metadata"]
        self.client.delete(current["apiVersion"], current["kind"], meta["name"], meta.get("namespace"))

    def preview(self, desired):
        return self.client.apply(desired, dry_run=True)
