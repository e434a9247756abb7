# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions that put Keycloak's representation and module input in one shape.

Keycloak stores client attributes and protocol mapper config as strings
(``"true"``, ``"300"``) and group attributes as lists of strings; comparing
a YAML ``true`` with ``"true"`` must not produce a change. No I/O here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Re-exported: the team-name rule lives in naming.py, shared with Harbor and namespace naming.
from ansible_collections.berth.platform.plugins.module_utils.naming import normalize_name

SERVICE = "keycloak"


def config_value(value):
    """One config/attribute value as Keycloak stores it: booleans as "true"/"false", rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def string_map(values):
    """A dict with every value as Keycloak's string form; None stays None (not managed)."""
    if values is None:
        return None
    return dict((str(k), config_value(v)) for k, v in values.items())


def multi_map(values):
    """Group attributes: every value a list of strings (a scalar becomes a one-item list)."""
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        out[str(key)] = [config_value(v) for v in items]
    return out


def normalize_group_name(name):
    """``Team Demo`` / ``team_demo`` / `` TEAM--demo `` -> ``team-demo``; ``Straße Süd`` -> ``strasse-sud``.

    The one team-name rule of ``naming.normalize_name`` (transliterated to
    ASCII, lower-case, runs of other characters as one ``-``, at most 63
    characters with a hash suffix when longer). The same rule gives Harbor
    project and Kubernetes namespace names.
    """
    return normalize_name(name, kind="group name", service=SERVICE)


def group_path(name, parent=None):
    """The full path of a group named ``name`` under the parent path ``parent``."""
    parent = (parent or "").strip("/")
    return "/%s/%s" % (parent, name) if parent else "/" + name


# -- clients ------------------------------------------------------------------
def mapper_from_input(mapper, default_protocol="openid-connect"):
    """A protocol mapper option item in the compared shape."""
    return dict(
        name=mapper["name"],
        protocol=mapper.get("protocol") or default_protocol,
        protocol_mapper=mapper["protocol_mapper"],
        config=string_map(mapper.get("config") or {}),
    )


def mapper_from_server(rep, config_keys=None):
    """A server protocol mapper in the compared shape.

    With ``config_keys``, only those config keys are kept: keys the module does
    not manage (server defaults such as ``introspection.token.claim``) never
    cause a difference.
    """
    config = string_map(rep.get("config") or {})
    if config_keys is not None:
        config = dict((k, v) for k, v in config.items() if k in config_keys)
    return dict(name=rep.get("name"), protocol=rep.get("protocol") or "openid-connect",
                protocol_mapper=rep.get("protocolMapper"), config=config)


def mapper_to_server(mapper, current=None):
    """The ProtocolMapperRepresentation for a compared-shape mapper (keeps unmanaged config)."""
    rep = dict(current or {})
    config = dict(rep.get("config") or {})
    config.update(mapper["config"])
    rep.update(name=mapper["name"], protocol=mapper["protocol"],
               protocolMapper=mapper["protocol_mapper"], config=config)
    return rep


def duplicate_names(items):
    """Names that occur more than once, sorted."""
    seen, dups = set(), set()
    for item in items:
        name = item.get("name")
        if name in seen:
            dups.add(name)
        seen.add(name)
    return sorted(dups)


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def invalid_redirect_uri(uri):
    """Why ``uri`` is not a usable redirect URI, or None when it is.

    Accepted: absolute URIs with a scheme (``https://host/cb``, ``https://host/*``,
    ``com.example.app:/cb``), paths relative to the root URL (``/cb``), and ``*``.
    """
    if not isinstance(uri, str) or not uri:
        return "empty"
    if any(c.isspace() for c in uri):
        return "contains whitespace"
    if uri == "*" or uri.startswith("/"):
        return None
    if not _SCHEME.match(uri):
        return "neither an absolute URI with a scheme nor a path starting with /"
    scheme = uri.split(":", 1)[0].lower()
    if scheme in ("javascript", "data", "vbscript"):
        return "scheme %s is not allowed" % scheme
    if scheme in ("http", "https") and not re.match(r"^https?://[^/?#]+", uri, re.I):
        return "has no host"
    return None


def invalid_web_origin(origin):
    """Why ``origin`` is not a web origin, or None: ``+``, ``*`` or ``scheme://host[:port]``."""
    if origin in ("+", "*"):
        return None
    if not isinstance(origin, str) or not re.match(r"^https?://[^/?#\s]+$", origin, re.I):
        return "must be +, * or scheme://host[:port] without a path"
    return None
