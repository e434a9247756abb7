"""The collection as ansible-builder sees it (no container engine needed): the built tarball,
installed like Galaxy would, declares its Python and system needs (`ansible-builder introspect`),
and the platform's execution-environment.yml gives a build context (`ansible-builder create`) that
installs the collection, kubernetes.core (as the collection's dependency, at galaxy.yml's version),
helm and opa."""

import json
import os
import shutil
import tarfile

import yaml

from built_collection import BIN, ROOT, build_and_install, run


def test_built_collection_declares_its_needs_and_the_ee_context_installs_it(tmp_path):
    tarball, collections_path = build_and_install(tmp_path)
    needs = yaml.safe_load(run(os.path.join(BIN, "ansible-builder"), "introspect", str(collections_path)))
    python = [line.split("#")[0].strip() for line in needs["python"] if "berth.platform" in line]
    assert [p.split(">=")[0] for p in python] == ["requests", "kubernetes", "python-keycloak", "bcrypt", "cryptography"]
    system = [line.split("#")[0].strip() for line in needs["system"] if "berth.platform" in line]
    assert "skopeo [test]" in system

    # The EE definition expects the tarball under build/ beside it, as `make build` leaves it.
    ee_dir = tmp_path / "ee"
    (ee_dir / "build").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "execution-environment.yml"), str(ee_dir))
    shutil.copy(str(tarball), str(ee_dir / "build"))
    with open(ee_dir / "execution-environment.yml") as handle:
        assert yaml.safe_load(handle)["additional_build_files"][0]["src"] == "build/" + tarball.name, \
            "execution-environment.yml names another version than galaxy.yml"
    run(os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context",
        cwd=str(ee_dir))
    context = ee_dir / "context"
    with open(context / "_build" / "requirements.yml") as handle:
        collections = yaml.safe_load(handle)["collections"]
    # Only the tarball: kubernetes.core comes as its dependency, at the version galaxy.yml sets
    # (issue 24: the EE file asked for another one), installed by a galaxy step without --no-deps.
    assert collections == [{"name": "/build/collection/" + tarball.name, "type": "file"}]
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        wanted = yaml.safe_load(handle)["dependencies"]
    with tarfile.open(str(tarball)) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["dependencies"] == wanted and "kubernetes.core" in wanted
    assert (context / "_build" / "collection" / tarball.name).read_bytes() == tarball.read_bytes()
    containerfile = (context / "Dockerfile").read_text()
    install = [line for line in containerfile.splitlines() if "ansible-galaxy collection install" in line]
    assert install and all("--no-deps" not in line for line in install)
    assert "helm version --short" in containerfile and "opa version" in containerfile
