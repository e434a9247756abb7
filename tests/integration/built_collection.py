"""The collection as users get it: the tarball `ansible-galaxy collection build` makes, installed
with `ansible-galaxy collection install` into a directory of its own."""

import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def run(*cmd, **kwargs):
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, "%s\n%s\n%s" % (" ".join(cmd), proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


def build_and_install(tmp_path):
    """(tarball path, collections path holding only the installed copy)."""
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path / "build"), ROOT)
    tarball = tmp_path / "build" / ("berth-platform-%s.tar.gz" % version)
    # --force: the checkout itself is on ANSIBLE_COLLECTIONS_PATH, which would count as installed.
    run(os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "--no-deps", "-p",
        str(tmp_path / "collections"), str(tarball))
    return tarball, tmp_path / "collections"
