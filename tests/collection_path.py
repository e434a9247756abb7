"""Locate (and create) the ansible_collections/berth/platform tree that points at this checkout.

Ansible and Python import the collection as ``ansible_collections.berth.platform``,
so the checkout is linked into a tree outside the repository (a link inside it
would make every tool walk the repository twice).
"""

import hashlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(ROOT.encode()).hexdigest()[:12]
    base = os.path.join(cache, "berth-platform", "collections-" + key)
    link = os.path.join(base, "ansible_collections", "berth", "platform")
    if os.path.realpath(link) != ROOT:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    return base


if __name__ == "__main__":
    print(collections_root())
