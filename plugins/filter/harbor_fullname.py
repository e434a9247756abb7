# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: harbor_fullname
short_description: The name the official Harbor chart gives a release's objects
version_added: 0.2.0
description:
  - The chart's C(harbor.fullname) rule (C(plugins/module_utils/chart_names.py)) - O(fullname_override)
    when set; else the release name when it contains the chart name (O(name_override) or C(harbor));
    else C(<release>-harbor); at most 63 characters.
  - With O(component), the name of that component's objects (Services, Deployments, Secrets),
    for example C(hub-harbor-core) for release C(hub).
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: The Helm release name.
    type: str
    required: true
  component:
    description: A component (C(core), C(portal), C(registry), C(jobservice), C(database), C(redis), C(trivy), C(exporter), C(nginx)).
    type: str
  name_override:
    description: The chart value C(nameOverride).
    type: str
  fullname_override:
    description: The chart value C(fullnameOverride).
    type: str
"""

EXAMPLES = r"""
- name: harbor-core's Service of release hub
  ansible.builtin.debug:
    msg: "{{ 'hub' | berth.platform.harbor_fullname(component='core') }}"  # hub-harbor-core

- name: The release's full name with the chart's fullnameOverride
  ansible.builtin.debug:
    msg: "{{ 'hub' | berth.platform.harbor_fullname(fullname_override='registry') }}"  # registry
"""

RETURN = r"""
_value:
  description: The chart's full name, or the component's object name.
  type: str
  sample: hub-harbor-core
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.module_utils.chart_names import component_name, fullname
from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError


def harbor_fullname(release, component=None, name_override=None, fullname_override=None):
    """``hub`` -> ``hub-harbor``; with ``component='core'`` -> ``hub-harbor-core``."""
    if not isinstance(release, str):
        raise AnsibleFilterError("harbor_fullname expects the release name as a string, got %s"
                                 % type(release).__name__)
    try:
        if component:
            return component_name(component, release, name_override or None, fullname_override or None)
        return fullname(release, name_override or None, fullname_override or None)
    except BerthError as exc:
        raise AnsibleFilterError("harbor_fullname: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"harbor_fullname": harbor_fullname}
