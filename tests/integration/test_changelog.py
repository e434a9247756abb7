"""The changelog as a release would write it: `antsibull-changelog lint` is clean, and releasing the
galaxy.yml version (on a staged copy, so the checkout keeps its fragments) names every module,
filter and role of the collection - a plugin without `version_added` or a fragment that does not
parse fails here, not on release day."""

import glob
import os

import yaml

from built_collection import BIN, ROOT, run


def _names(pattern):
    return sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(ROOT, pattern))
                  if not os.path.basename(p).startswith("__"))


def test_changelog_lints_and_a_release_lists_every_plugin_and_role(tmp_path):
    changelog = os.path.join(BIN, "antsibull-changelog")
    run(changelog, "lint", cwd=ROOT)

    staged = tmp_path / "ansible_collections" / "berth" / "platform"
    run(os.path.join(ROOT, "tests", "sanity", "stage"), str(staged), cwd=ROOT)
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path), PATH=BIN + os.pathsep + os.environ["PATH"])
    run(changelog, "release", "--version", version, "--date", "2026-01-01", cwd=str(staged), env=env)

    with open(staged / "changelogs" / "changelog.yaml") as handle:
        release = yaml.safe_load(handle)["releases"][version]
    assert sorted(m["name"] for m in release["modules"]) == _names("plugins/modules/*.py")
    assert sorted(f["name"] for f in release["plugins"]["filter"]) == _names("plugins/filter/*.py")
    assert sorted(r["name"] for r in release["objects"]["role"]) == sorted(
        os.path.basename(os.path.dirname(os.path.dirname(p))) for p in glob.glob(os.path.join(ROOT, "roles/*/meta/argument_specs.yml")))
    fragments = sorted(os.listdir(os.path.join(ROOT, "changelogs", "fragments")))
    assert sorted(release["fragments"]) == fragments
    assert all(release["changes"].get(section) for section in ("major_changes", "minor_changes"))
    assert (staged / "CHANGELOG.rst").read_text().count("New Modules") == 1
