"""ManifestAdapter sees a field dropped from the manifest through the fields its manager owns."""

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import (
    ManifestAdapter, names_path, owned_paths,
)

MANAGED = [
    {"manager": "berth.platform", "operation": "Apply", "fieldsV1": {
        "f:metadata": {"f:labels": {"f:a": {}, "f:b": {}}},
        "f:spec": {"f:hosts": {}, "f:http": {}}}},
    {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:metadata": {"f:labels": {"f:c": {}}}}},
]
CURRENT = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "x", "namespace": "n", "labels": {"a": "1", "b": "2", "c": "3"},
                        "managedFields": MANAGED},
           "spec": {"hosts": ["h"], "http": [{"name": "r"}]}}


class FakeClient:
    def __init__(self):
        self.applied = []

    def get(self, api_version, kind, name, namespace=None):
        return CURRENT

    def apply(self, body, dry_run=False):
        if not dry_run:
            self.applied.append(body)
        return body


def test_owned_paths_are_this_managers_only():
    assert sorted(owned_paths(CURRENT, "berth.platform")) == [
        ("metadata", "labels", "a"), ("metadata", "labels", "b"), ("spec", "hosts"), ("spec", "http")]


def test_names_path():
    desired = {"metadata": {"labels": {"a": "1"}}, "spec": {"http": [{"name": "r"}]}}
    assert names_path(desired, ("metadata", "labels", "a"))
    assert not names_path(desired, ("metadata", "labels", "b"))
    assert not names_path(desired, ("spec", "hosts"))
    assert names_path(desired, ("spec", "http", "anything"))  # inside a list: judged whole


def test_a_dropped_label_is_a_change_and_applied():
    client = FakeClient()
    desired = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "n", "labels": {"a": "1"}},
               "spec": {"hosts": ["h"], "http": [{"name": "r"}]}}
    outcome = ensure(ManifestAdapter(client), desired)
    assert outcome.action == "update" and outcome.changes == ["metadata"]
    assert client.applied == [desired]


def test_nothing_dropped_is_no_change():
    client = FakeClient()
    desired = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "x", "namespace": "n", "labels": {"a": "1", "b": "2"}},
               "spec": {"hosts": ["h"], "http": [{"name": "r"}]}}
    assert ensure(ManifestAdapter(client), desired).action == "none"
    assert client.applied == []


class DryRunClient(FakeClient):
    """The server's dry run of the apply: the route's timeout is gone."""

    def apply(self, body, dry_run=False):
        if dry_run:
            return dict(CURRENT, spec={"hosts": ["h"], "http": [{"name": "r"}]})
        return super().apply(body, dry_run)


def test_a_field_dropped_inside_a_list_item_is_found_by_the_servers_dry_run(monkeypatch):
    current = dict(CURRENT, spec={"hosts": ["h"], "http": [{"name": "r", "timeout": "30s"}]})
    monkeypatch.setattr(DryRunClient, "get", lambda self, *a, **k: current)
    client = DryRunClient()
    desired = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "x", "namespace": "n", "labels": {"a": "1", "b": "2"}},
               "spec": {"hosts": ["h"], "http": [{"name": "r"}]}}
    outcome = ensure(ManifestAdapter(client), desired)
    assert outcome.action == "update" and outcome.changes == ["spec"]
    assert client.applied == [desired]
