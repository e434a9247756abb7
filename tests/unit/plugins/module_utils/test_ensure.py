"""The ensure engine against an in-memory adapter (unit level: no server)."""

import copy

import pytest

from ansible_collections.berth.platform.plugins.module_utils import ensure as engine
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, ServerError, TLSError, TransportError,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy


class MemoryAdapter(engine.Adapter):
    kind = "thing"
    secret_fields = ("secret",)
    unordered = ("tags",)

    def __init__(self, store=None, create_failures=()):
        self.store = store if store is not None else {}
        self.create_failures = list(create_failures)
        self.calls = []

    def find(self, desired):
        self.calls.append("find")
        return copy.deepcopy(self.store.get(desired["name"]))

    def normalize(self, current):
        out = dict(current)
        out["public"] = current.get("public") == "true"  # server stores strings
        return out

    def create(self, desired):
        self.calls.append("create")
        if self.create_failures:
            applied, exc = self.create_failures.pop(0)
            if applied:
                self._store(desired)
            raise exc
        return self._store(desired)

    def update(self, current, desired, changes):
        self.calls.append("update:" + ",".join(changes))
        merged = dict(current)
        merged.update((k, desired[k]) for k in changes)
        return self._store(merged)

    def delete(self, current):
        self.calls.append("delete")
        del self.store[current["name"]]

    def _store(self, obj):
        obj = dict(obj)
        if isinstance(obj.get("public"), bool):
            obj["public"] = "true" if obj["public"] else "false"
        self.store[obj["name"]] = obj
        return copy.deepcopy(obj)


def no_wait():
    return RetryPolicy(attempts=3, sleep=lambda s: None)


def test_create_then_rerun_is_unchanged():
    a = MemoryAdapter()
    desired = {"name": "team-a", "public": False, "tags": ["x", "y"]}
    first = engine.ensure(a, desired)
    assert first.action == "create" and first.changed
    assert a.store["team-a"]["public"] == "false"
    second = engine.ensure(a, desired)
    assert second.action == "none" and not second.changed
    assert second.diff()["before"] == second.diff()["after"]


def test_check_mode_changes_nothing_but_reports():
    a = MemoryAdapter()
    desired = {"name": "team-a", "public": True}
    out = engine.ensure(a, desired, check_mode=True)
    assert out.action == "create" and out.resource is None
    assert a.store == {} and "create" not in a.calls
    engine.ensure(a, desired)
    out = engine.ensure(a, dict(desired, public=False), check_mode=True)
    assert out.action == "update" and a.store["team-a"]["public"] == "true"
    out = engine.ensure(a, desired, state="absent", check_mode=True)
    assert out.action == "delete" and "team-a" in a.store


def test_update_touches_only_changed_keys_and_diff_shows_them():
    a = MemoryAdapter({"team-a": {"name": "team-a", "public": "false", "owner": "x"}})
    out = engine.ensure(a, {"name": "team-a", "public": True, "owner": None})
    assert out.action == "update" and out.changes == ["public"]
    assert a.calls[-1] == "update:public"
    assert out.diff() == {"before": {"name": "team-a", "public": False},
                          "after": {"name": "team-a", "public": True}}


def test_unordered_lists_compare_as_sets_and_ordered_do_not():
    a = MemoryAdapter({"t": {"name": "t", "tags": ["b", "a"], "order": [1, 2]}})
    assert not engine.ensure(a, {"name": "t", "tags": ["a", "b"]}).changed
    assert engine.ensure(a, {"name": "t", "order": [2, 1]}, check_mode=True).changed


def test_nested_dicts_compare_only_desired_keys():
    a = MemoryAdapter({"t": {"name": "t", "meta": {"a": "1", "server_added": "z"}}})
    assert not engine.ensure(a, {"name": "t", "meta": {"a": "1"}}).changed
    assert engine.ensure(a, {"name": "t", "meta": {"a": "2"}}, check_mode=True).changes == ["meta"]


def test_secrets_are_redacted_in_diff_and_marked_when_changing():
    a = MemoryAdapter()
    created = engine.ensure(a, {"name": "r", "secret": "s3cr3t"})
    assert created.after["secret"] == engine.REDACTED
    changed = engine.ensure(a, {"name": "r", "secret": "other"})
    assert changed.before["secret"] == engine.REDACTED
    assert changed.after["secret"] == engine.REDACTED_CHANGED
    assert "s3cr3t" not in repr(changed.diff()) and "other" not in repr(changed.diff())


def test_absent():
    a = MemoryAdapter({"t": {"name": "t"}})
    assert engine.ensure(a, {"name": "t"}, state="absent").action == "delete"
    assert a.store == {}
    assert engine.ensure(a, {"name": "t"}, state="absent").action == "none"


def test_ambiguous_create_that_landed_is_adopted_not_duplicated():
    lost = TransportError("reset", ambiguous=True)
    a = MemoryAdapter(create_failures=[(True, lost)])
    got = engine.create_once(a, {"name": "t"}, policy=no_wait())
    assert got["name"] == "t" and a.calls.count("create") == 1


def test_failed_create_that_did_not_land_is_tried_again():
    a = MemoryAdapter(create_failures=[(False, ServerError("busy", status=503))])
    got = engine.create_once(a, {"name": "t"}, policy=no_wait())
    assert got["name"] == "t" and a.calls.count("create") == 2


@pytest.mark.parametrize("exc", [BadRequest("bad name", status=400), TLSError("no trust")])
def test_definite_failures_are_not_retried(exc):
    a = MemoryAdapter(create_failures=[(False, exc)])
    with pytest.raises(type(exc)):
        engine.create_once(a, {"name": "t"}, policy=no_wait())
    assert a.calls.count("create") == 1


def test_gives_up_after_policy_attempts():
    fails = [(False, ServerError("busy", status=503))] * 5
    a = MemoryAdapter(create_failures=fails)
    with pytest.raises(ServerError):
        engine.create_once(a, {"name": "t"}, policy=no_wait())
    assert a.calls.count("create") == 3


def test_plan_children_deletes_retyped_and_stale_and_writes_in_name_order():
    existing = {"a": {"t": "x", "v": 1}, "b": {"t": "x", "v": 1}, "c": {"t": "x", "v": 1},
                "gone": {"t": "x", "v": 1}}
    wanted = {"a": {"t": "x", "v": 1}, "b": {"t": "y", "v": 1}, "c": {"t": "x", "v": 2},
              "new": {"t": "x", "v": 1}}

    def plan(exclusive):
        return engine.plan_children(existing, wanted, exclusive,
                                    same_kind=lambda rep, item: rep["t"] == item["t"],
                                    same_content=lambda rep, item: rep["v"] == item["v"])

    deletes, writes = plan(exclusive=True)
    assert deletes == [existing["b"], existing["gone"]]
    assert writes == [(None, wanted["b"]), (existing["c"], wanted["c"]), (None, wanted["new"])]
    deletes, writes = plan(exclusive=False)
    assert deletes == [existing["b"]]
