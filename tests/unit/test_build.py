"""The built collection tarball carries the collection, never lab state, caches or build output."""

import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORBIDDEN_PREFIXES = ("tests/lab", "tests/output", "build/", ".venv", ".pytest_cache", ".git/",
                      ".ci/", "Makefile", "requirements-dev")


def test_tarball_has_no_lab_state_or_caches(tmp_path):
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.run([galaxy if os.path.exists(galaxy) else "ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), ROOT],
                   check=True, capture_output=True)
    (tarball,) = tmp_path.glob("berth-platform-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "plugins/module_utils/ensure.py" in names and "galaxy.yml" not in names  # MANIFEST replaces it
    bad = [n for n in names if n.startswith(FORBIDDEN_PREFIXES) or "__pycache__" in n or n.endswith(".pyc")]
    assert bad == []
