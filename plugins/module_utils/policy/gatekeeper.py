# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Gatekeeper reports in a Constraint's status, read without Ansible.

``status.byPod`` has one entry per Gatekeeper pod that loaded the Constraint (the webhook pods and
the audit pod); ``status.violations`` is what the last audit run found among objects that already
existed. Both are written by Gatekeeper, never by this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _key(constraint):
    return "%s/%s" % (constraint.get("kind", "?"), constraint.get("metadata", {}).get("name", "?"))


def unenforced(constraints, keys=None):
    """``["Kind/name: why", ...]`` for each Constraint some webhook pod does not enforce yet; with
    ``keys``, only the Constraints whose ``Kind/name`` is one of them are judged.

    Enforced means: at least one pod with the ``webhook`` operation reports it, and every pod that
    reports it has ``enforced: true`` at the Constraint's current generation (an update is judged by
    the new spec only once every pod has seen it)."""
    waiting = []
    for constraint in constraints or []:
        if keys is not None and _key(constraint) not in keys:
            continue
        generation = constraint.get("metadata", {}).get("generation")
        by_pod = (constraint.get("status") or {}).get("byPod") or []
        if not any("webhook" in (pod.get("operations") or []) for pod in by_pod):
            waiting.append("%s: no webhook pod reports it yet" % _key(constraint))
            continue
        late = sorted(pod.get("id", "?") for pod in by_pod
                      if not pod.get("enforced") or (generation is not None
                                                     and pod.get("observedGeneration") != generation))
        if late:
            waiting.append("%s: not enforced by %s" % (_key(constraint), ", ".join(late)))
    return waiting


def violations(constraints, cluster="", team_namespaces=()):
    """Rows ``{cluster, team, namespace, object, action}`` (the drift report's columns) of every
    violation Gatekeeper's audit recorded, sorted; ``team`` is the namespace when it is a team's, else ``-``."""
    rows = []
    for constraint in constraints or []:
        status = constraint.get("status") or {}
        for found in status.get("violations") or []:
            namespace = found.get("namespace", "")
            rows.append(dict(
                cluster=cluster,
                team=namespace if namespace in team_namespaces else "-",
                namespace=namespace,
                object="%s/%s" % (found.get("kind", "?"), found.get("name", "?")),
                action="violates %s (%s): %s" % (_key(constraint),
                                                 found.get("enforcementAction", "deny"),
                                                 found.get("message", "").strip())))
    return sorted(rows, key=lambda r: (r["namespace"], r["object"], r["action"]))
