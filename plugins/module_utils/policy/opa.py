# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy evaluation with the ``opa`` binary (no Ansible here).

The policies are the Gatekeeper-form Rego files of ``roles/policy/files`` (one per template, a
``violation`` rule over ``input.review.object`` and ``input.parameters``) plus ``check.rego``,
which applies every constraint to every object it matches as Gatekeeper would at admission. One
``opa eval`` judges the whole manifest list; ``violations()`` returns them sorted and formatted as
``Kind/namespace/name: <message>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import tempfile

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError, ValidationError

SERVICE = "opa"
QUERY = "data.berth.check.violations"
# Kinds whose objects carry containers; the rest (Services, ConfigMaps, ...) pass every rule.
CONSTRAINT_KINDS = ("K8sAllowedRepos", "K8sDisallowedTags", "K8sContainerLimits",
                    "K8sPSPPrivilegedContainer", "K8sPSPHostFilesystem")


class PolicyError(BerthError):
    """opa could not evaluate the policies (missing binary, a Rego error, a timeout)."""


def find_opa(binary=None):
    """The opa executable: ``binary`` (a path or a name on PATH), else ``opa`` on PATH."""
    path = shutil.which(binary or "opa")
    if path is None:
        raise PolicyError(
            "opa executable %s not found" % (binary or "on PATH"), service=SERVICE,
            hint="install opa v1.x (a single binary from openpolicyagent.org, or "
                 "go install github.com/open-policy-agent/opa@v1.22.2) or set opa_binary")
    return path


def check_constraints(constraints):
    """Refuse constraints whose kind has no policy, before anything runs."""
    problems = []
    for index, constraint in enumerate(constraints):
        kind = constraint.get("kind")
        if kind not in CONSTRAINT_KINDS:
            problems.append("constraints[%d].kind %r is not one of %s" % (index, kind, ", ".join(CONSTRAINT_KINDS)))
        if not constraint.get("name"):
            problems.append("constraints[%d] needs a name" % index)
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)


class Opa(object):
    def __init__(self, binary, policy_dir, timeout=60):
        if not os.path.isfile(os.path.join(policy_dir, "check.rego")):
            raise ValidationError("policy_dir %s holds no check.rego (the berth.platform.policy role's files)"
                                  % policy_dir, service=SERVICE)
        self.binary = binary
        self.policy_dir = policy_dir
        self.timeout = timeout

    def evaluate(self, objects, constraints):
        """Every violation as a dict (kind, namespace, name, constraint, message, details)."""
        check_constraints(constraints)
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="berth-policy-") as handle:
            json.dump({"objects": objects, "constraints": constraints}, handle)
            handle.flush()
            # Only the policies and their lib, never the tests beside them (their packages would load too).
            sources = [os.path.join(self.policy_dir, name) for name in sorted(os.listdir(self.policy_dir))
                       if name.endswith(".rego")]
            lib = os.path.join(self.policy_dir, "lib")
            if os.path.isdir(lib):
                sources.append(lib)
            cmd = [self.binary, "eval", "--format", "json", "--input", handle.name]
            cmd += [arg for source in sources for arg in ("--data", source)] + [QUERY]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout, check=False)
            except subprocess.TimeoutExpired:
                raise PolicyError("opa eval took longer than %ds" % self.timeout, service=SERVICE)
        if proc.returncode != 0:
            raise PolicyError("opa eval failed: %s" % (proc.stderr.strip() or proc.stdout.strip())[:2000],
                              service=SERVICE)
        try:
            result = json.loads(proc.stdout)["result"][0]["expressions"][0]["value"]
        except (ValueError, KeyError, IndexError) as exc:
            raise PolicyError("unexpected opa output (%s): %s" % (exc, proc.stdout[:500]), service=SERVICE)
        return sorted(result, key=lambda v: (v["kind"], v["namespace"], v["name"], v["constraint"], v["message"]))


def line(violation):
    """``Deployment/team-a/web: container app: image nginx:latest uses the disallowed tag latest``."""
    where = "/".join(p for p in (violation["kind"], violation["namespace"], violation["name"]) if p)
    return "%s: %s" % (where, violation["message"])
