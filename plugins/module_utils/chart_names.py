# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names the official Harbor chart gives its objects, derived as the chart does.

The chart (1.19, ``templates/_helpers.tpl``) names everything after ``harbor.fullname``:
``fullnameOverride`` when set; otherwise the release name when it contains the chart
name (``nameOverride`` or ``harbor``), else ``<release>-<name>``; cut to 63 characters
and any trailing ``-`` trimmed. So release ``harbor`` has the Service ``harbor-core``,
release ``hub`` has ``hub-harbor-core`` and release ``my-harbor`` ``my-harbor-core``.
Pure Python, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

CHART_NAME = "harbor"
# component -> suffix of its object names (harbor.core, harbor.portal, ... in _helpers.tpl).
COMPONENTS = ("core", "portal", "registry", "jobservice", "database", "redis", "trivy", "exporter", "nginx")


def _trunc(text):
    return text[:63].rstrip("-")


def name(name_override=None):
    """``harbor.name``: the chart's name, the ``app`` label of every Harbor pod."""
    return _trunc(name_override or CHART_NAME)


def fullname(release, name_override=None, fullname_override=None):
    """``harbor.fullname`` of the chart for this release."""
    if fullname_override:
        return _trunc(fullname_override)
    if not release:
        raise ValidationError("the Helm release name is required to derive the chart's object names")
    # fullname tests and joins the name before harbor.name's cut (_helpers.tpl).
    chart = name_override or CHART_NAME
    if chart in release:
        return _trunc(release)
    return _trunc("%s-%s" % (release, chart))


def component_name(component, release, name_override=None, fullname_override=None):
    """The chart's name of one component's objects, for example ``hub-harbor-core``."""
    if component not in COMPONENTS:
        raise ValidationError("unknown Harbor chart component %r (one of %s)" % (component, ", ".join(COMPONENTS)))
    return "%s-%s" % (fullname(release, name_override, fullname_override), component)
