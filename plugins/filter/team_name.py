# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: team_name
short_description: A team's name as Keycloak group, Harbor project and namespace
version_added: 0.2.0
description:
  - The collection's one team-name rule (C(plugins/module_utils/naming.py)), the same function
    M(berth.platform.keycloak_group) uses with O(berth.platform.keycloak_group#module:normalize_name=true),
    so roles name a team's Keycloak group, Harbor project and Kubernetes namespace alike.
  - Lower-case; C(ß æ ø œ ł đ ð þ ı ħ ŧ ŋ) spelled out; Unicode NFKD with combining marks dropped;
    every run of characters other than C(a-z0-9) one C(-), none at either end; a result over
    63 characters becomes its first 54, C(-) and the first 8 hex digits of the SHA-256 of the uncut result.
  - A name with no letter or digit left fails.
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: The team name as people write it, for example C(Équipe Données 2).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Team A's namespace
  kubernetes.core.k8s:
    kind: Namespace
    name: "{{ 'Team A' | berth.platform.team_name }}"  # team-a

- name: The names of all teams
  ansible.builtin.debug:
    msg: "{{ berth_teams | map(attribute='name') | map('berth.platform.team_name') }}"
"""

RETURN = r"""
_value:
  description: The normalized name, a valid RFC 1123 label of at most 63 characters.
  type: str
  sample: equipe-donnees-2
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.naming import normalize_name


def team_name(name):
    """``Équipe Données 2`` -> ``equipe-donnees-2`` (see plugins/module_utils/naming.py)."""
    if not isinstance(name, str):
        raise AnsibleFilterError("team_name expects a string, got %s" % type(name).__name__)
    try:
        return normalize_name(to_text(name), kind="team name")
    except BerthError as exc:
        raise AnsibleFilterError("team_name: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"team_name": team_name}
