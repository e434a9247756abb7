"""execution-environment.yml and galaxy.yml agree (issue 24): the EE installs the collection's own
tarball and nothing else from Galaxy, so the versions of its dependencies (kubernetes.core) are set
in one place - galaxy.yml's ``dependencies``, which ansible-galaxy installs along with the tarball.
tests/integration/test_awx_execution_environment.py builds the EE context with ansible-builder."""

import json
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(name):
    with open(os.path.join(ROOT, name)) as handle:
        return yaml.safe_load(handle)


def test_the_ee_installs_only_the_collection_tarball_of_galaxy_yml_version():
    galaxy, ee = load("galaxy.yml"), load("execution-environment.yml")
    tarball = "berth-platform-%s.tar.gz" % galaxy["version"]
    assert ee["dependencies"]["galaxy"]["collections"] == [
        {"name": "/build/collection/" + tarball, "type": "file"}]
    assert ee["additional_build_files"] == [{"src": "build/" + tarball, "dest": "collection"}]


def test_dependency_versions_are_declared_once_in_galaxy_yml():
    galaxy = load("galaxy.yml")
    assert set(galaxy["dependencies"]) == {"kubernetes.core"}
    # The data, not the comments, of the EE files: no second version requirement to drift.
    declared = [name for name in ("execution-environment.yml", "meta/execution-environment.yml")
                if "kubernetes.core" in json.dumps(load(name))]
    assert declared == []
