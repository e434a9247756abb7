"""pytest bootstrap: make ``ansible_collections.berth.platform`` importable from this checkout."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))
from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position

_ROOT = collections_root()
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", _ROOT)
