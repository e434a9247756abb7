# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generic ensure engine: desired vs current -> create / update / delete / nothing.

Every resource module and the bulk tenant reconcile call ``ensure`` with an
adapter (see ``Adapter``); the engine owns check mode, diff, secret redaction
and the duplicate-safe create. No Ansible imports.

Comparison rules:
- a desired value of ``None`` means "not managed": it is neither compared nor shown;
- dicts compare by the keys the desired dict names (a partial view of the server);
- lists compare in order unless the key is in ``adapter.unordered``, where they
  compare as multisets (order from the server never causes a diff);
- keys in ``adapter.secret_fields`` appear in diffs and results only as ``REDACTED``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    ApiError, TransportError,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted (changed)>"


class Adapter:
    """One resource type. Subclasses implement the five calls; see docs/architecture.md."""

    kind = "resource"
    secret_fields = ()
    unordered = ()

    def find(self, desired):
        """The current server object for ``desired``'s identity, or None."""
        raise NotImplementedError

    def normalize(self, current):
        """``current`` as a dict with the same keys and types as ``desired``."""
        return current

    def create(self, desired):
        """Create and return the new server object."""
        raise NotImplementedError

    def update(self, current, desired, changes):
        """Apply ``changes`` (the differing desired keys) and return the updated object."""
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def preview(self, desired):
        """Check mode: let the server judge ``desired`` without storing it (e.g. dry run)."""

    def dropped(self, current, desired):
        """Top-level keys of ``desired`` under which ``current`` still holds something this
        collection set before and ``desired`` no longer names (the partial comparison cannot
        see a removal). Default: none."""
        return []

    def adopt(self, found, desired):
        """A create whose answer was lost turned out to have worked: finish it from ``found``
        (e.g. re-issue a secret the lost answer carried). Returns the resource."""
        return found


class Outcome:
    """What ensure did: ``action`` is one of create, update, delete, none.

    ``resource`` is the server object after the change (None after a delete,
    in check mode, or when an adapter's update returns nothing).
    """

    def __init__(self, action, before, after, changes, resource):
        self.action = action
        self.before = before
        self.after = after
        self.changes = changes
        self.resource = resource

    @property
    def changed(self):
        return self.action != "none"

    def diff(self):
        return {"before": self.before or {}, "after": self.after or {}}

    def shown(self, adapter):
        """The resource as results show it: from the server when there is one, else the
        would-be state (check mode) or {} (deleted); secret fields always redacted."""
        if self.resource is None:
            return self.after or {}
        return redact(adapter.normalize(self.resource), adapter.secret_fields)


class Prefetched(Adapter):
    """An adapter whose first find is answered from a read made earlier (a list call, or a read the
    caller needed anyway); every other call goes to ``inner``."""

    def __init__(self, inner, current):
        self.inner = inner
        self.current = current
        self.used = False
        self.kind = inner.kind
        self.secret_fields = inner.secret_fields
        self.unordered = inner.unordered

    def find(self, desired):
        if self.used:
            return self.inner.find(desired)
        self.used = True
        return self.current

    def normalize(self, current):
        return self.inner.normalize(current)

    def create(self, desired):
        return self.inner.create(desired)

    def update(self, current, desired, changes):
        return self.inner.update(current, desired, changes)

    def dropped(self, current, desired):
        return self.inner.dropped(current, desired)

    def delete(self, current):
        return self.inner.delete(current)

    def preview(self, desired):
        return self.inner.preview(desired)

    def adopt(self, found, desired):
        return self.inner.adopt(found, desired)


# -- comparison -------------------------------------------------------------
def _canonical(value):
    return json.dumps(value, sort_keys=True, default=str)


def matches(current, desired, unordered=False):
    """True when ``current`` satisfies ``desired`` under the comparison rules."""
    if desired is None:
        return True
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        return all(matches(current.get(k), v) for k, v in desired.items())
    if isinstance(desired, (list, tuple)):
        if not isinstance(current, (list, tuple)) or len(current) != len(desired):
            return False
        if unordered:
            return sorted(_canonical(c) for c in current) == sorted(_canonical(d) for d in desired)
        return all(matches(c, d) for c, d in zip(current, desired))
    return current == desired


def changed_keys(current, desired, unordered=()):
    """The desired top-level keys whose values the current object does not satisfy."""
    return [k for k, v in desired.items()
            if v is not None and not matches(current.get(k), v, unordered=k in unordered)]


def managed_view(obj, desired):
    """``obj`` restricted to what ``desired`` manages (recursively for dicts)."""
    if obj is None:
        return None
    if isinstance(desired, dict) and isinstance(obj, dict):
        return dict((k, managed_view(obj.get(k), v)) for k, v in desired.items() if v is not None)
    return copy.deepcopy(obj)


def redact(view, secret_fields, changed=()):
    """A copy of ``view`` with secret fields masked; a changing secret says so."""
    if not view:
        return view
    out = dict(view)
    for key in secret_fields:
        if key in out and out[key] is not None:
            out[key] = REDACTED_CHANGED if key in changed else REDACTED
    return out


# -- the engine -------------------------------------------------------------
def ensure(adapter, desired, state="present", check_mode=False):
    """Bring the server to ``desired`` (or remove it for ``state='absent'``)."""
    current = adapter.find(desired)
    secrets = adapter.secret_fields
    if state == "absent":
        if current is None:
            return Outcome("none", {}, {}, [], None)
        before = redact(managed_view(adapter.normalize(current), desired) or {}, secrets)
        if not check_mode:
            adapter.delete(current)
        return Outcome("delete", before, {}, [], None)

    if current is None:
        after = redact(managed_view(desired, desired), secrets)
        if check_mode:
            adapter.preview(desired)
        resource = None if check_mode else create_once(adapter, desired)
        return Outcome("create", {}, after, sorted(k for k, v in desired.items() if v is not None),
                       resource)

    normalized = adapter.normalize(current)
    changes = changed_keys(normalized, desired, adapter.unordered)
    changes += [k for k in adapter.dropped(current, desired) if k not in changes]
    before_view = managed_view(normalized, desired)
    if not changes:
        view = redact(before_view, secrets)
        return Outcome("none", view, view, [], current)
    after_view = dict(before_view)
    after_view.update((k, copy.deepcopy(desired[k])) for k in changes)
    if check_mode:
        adapter.preview(desired)
    resource = None if check_mode else adapter.update(current, desired, changes)
    return Outcome("update", redact(before_view, secrets), redact(after_view, secrets, changes),
                   changes, resource)


def plan_children(existing, wanted, exclusive, same_kind, same_content):
    """Which named children (e.g. protocol mappers) to delete, and which to write.

    ``existing`` and ``wanted`` map name -> object. A child not wanted goes when
    ``exclusive``; one whose kind changed is deleted and created again (servers
    refuse to change a mapper's type in place). Returns (deletes, writes), both
    in name order; a write is (existing, wanted) with existing None for a create.
    """
    deletes = [rep for name, rep in sorted(existing.items())
               if (name not in wanted and exclusive)
               or (name in wanted and not same_kind(rep, wanted[name]))]
    gone = set(id(rep) for rep in deletes)
    writes = []
    for name, item in sorted(wanted.items()):
        rep = existing.get(name)
        if rep is None or id(rep) in gone:
            writes.append((None, item))
        elif not same_content(rep, item):
            writes.append((rep, item))
    return deletes, writes


def create_once(adapter, desired, policy=None):
    """Create without ever leaving a duplicate.

    A create that failed in a way that may have reached the server (broken
    connection after sending, 5xx, 429) is followed by a fresh ``find``: if the
    object is there, that is the result; if not, the create is tried again, up
    to ``policy.attempts`` times in all, with the policy's backoff between.
    """
    policy = policy or RetryPolicy(attempts=3)
    for attempt in range(policy.attempts):
        try:
            return adapter.create(desired)
        except (TransportError, ApiError) as exc:
            if not _maybe_applied(exc) or attempt + 1 >= policy.attempts:
                raise
            policy.wait(attempt)
            found = adapter.find(desired)
            if found is not None:
                return adapter.adopt(found, desired)
    raise AssertionError("unreachable")  # pragma: no cover


def _maybe_applied(exc):
    if isinstance(exc, TransportError):
        return exc.ambiguous or exc.retryable
    return exc.status is not None and (exc.status >= 500 or exc.status == 429)
