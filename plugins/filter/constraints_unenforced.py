# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: constraints_unenforced
short_description: Gatekeeper Constraints that a webhook pod does not enforce yet
version_added: 0.2.0
description:
  - Reads the C(status.byPod) Gatekeeper writes into each Constraint and names those not yet in force
    at admission - no pod with the C(webhook) operation reports them, or a pod reports C(enforced) false
    or an older C(observedGeneration).
  - An empty list means every Constraint given judges the next admission.
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: Constraints as read from the API server (C(kubernetes.core.k8s_info) C(resources)).
    type: list
    elements: dict
    required: true
  keys:
    description:
      - Only the Constraints whose C(Kind/name) is in this list are judged (those a run applied, not
        ones it is about to remove); omitted, every Constraint given is.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Wait until Gatekeeper enforces the collection's allowed-repository Constraints
  kubernetes.core.k8s_info:
    api_version: constraints.gatekeeper.sh/v1beta1
    kind: K8sAllowedRepos
    label_selectors: [app.kubernetes.io/managed-by=berth.platform]
  register: constraints
  until: constraints.resources | berth.platform.constraints_unenforced | length == 0
  retries: 30
  delay: 2
"""

RETURN = r"""
_value:
  description: "One C(Kind/name: why) line per Constraint not in force yet."
  type: list
  elements: str
  sample: ["K8sAllowedRepos/team-a: not enforced by gatekeeper-controller-manager-5d8f-x2x"]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.module_utils.policy.gatekeeper import unenforced


def constraints_unenforced(constraints, keys=None):
    if not isinstance(constraints, list):
        raise AnsibleFilterError("constraints_unenforced expects a list of Constraints (k8s_info resources)")
    return unenforced(constraints, None if keys is None else set(keys))


class FilterModule(object):
    def filters(self):
        return {"constraints_unenforced": constraints_unenforced}
