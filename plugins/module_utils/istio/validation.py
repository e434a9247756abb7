# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks istiod's validating webhook makes that the CRD schema does not.

A cluster without istiod (or with its webhook off, like the lab) stores what
the CRD schema allows; a real cluster's istiod refuses it. These run before
anything is sent, so both give the same answer. No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

ROUTE_KINDS = ("http", "tcp", "tls")


def require_routes(spec):
    """A VirtualService spec needs at least one http, tcp or tls route (istiod's rule).

    istiod (pkg/config/validation, ValidateVirtualService) answers
    ``http, tcp or tls must be provided in virtual service``; so does this.
    """
    if not any((spec or {}).get(kind) for kind in ROUTE_KINDS):
        raise ValidationError(
            "http, tcp or tls must be provided in virtual service (istiod refuses a "
            "VirtualService without routes): give at least one route")
