# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One team name for every system: Keycloak group, Harbor project, Kubernetes namespace.

``normalize_name`` is the single rule (keycloak_group's ``normalize_name``
uses it; ``keycloak.normalize.normalize_group_name`` re-exports it). Its result
is a valid RFC 1123 label (a namespace name), a valid Harbor project name and
a Keycloak group name. Pure Python, standard library only, no Ansible imports.

The rule, in order:

1. lower-case;
2. letters Unicode does not decompose are spelled out (``TRANSLITERATE``, all of it:
   ß -> ss, æ -> ae, ø -> o, œ -> oe, ł -> l, đ/ð -> d, þ -> th, ı -> i, ħ -> h,
   ŧ -> t, ŋ -> n);
3. NFKD decomposition, then every combining mark is dropped
   (é -> e, ü -> u, ﬁ -> fi, ² -> 2);
4. every run of characters other than a-z and 0-9 becomes one ``-``;
   leading and trailing ``-`` are trimmed; nothing left is an error;
5. longer than 63 characters: the first 54, trailing ``-`` trimmed, then ``-``
   and the first 8 hex digits of the SHA-256 of the whole step-4 result
   (UTF-8). Two names that differ anywhere keep different results; spellings
   that normalize alike (``Team Demo``, ``team_demo``) keep one.

The rule is idempotent: a normalized name normalizes to itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import unicodedata

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

MAX_LENGTH = 63  # RFC 1123 label: a Kubernetes namespace name
KEEP = 54        # characters kept before "-" + 8 hex digits
HASH_DIGITS = 8

# Lower-case letters NFKD leaves alone (no combining mark to drop), spelled in ASCII.
TRANSLITERATE = {
    "\u00df": "ss",   # ß (ẞ lower-cases to it)
    "\u00e6": "ae",   # æ
    "\u00f8": "o",    # ø
    "\u0153": "oe",   # œ
    "\u0142": "l",    # ł
    "\u0111": "d",    # đ
    "\u00f0": "d",    # ð
    "\u00fe": "th",   # þ
    "\u0131": "i",    # ı (dotless i)
    "\u0127": "h",    # ħ
    "\u0167": "t",    # ŧ
    "\u014b": "n",    # ŋ
}

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def ascii_fold(text):
    """``text`` lower-cased and spelled in ASCII as far as it goes (steps 1-3)."""
    lowered = (text or "").lower()
    spelled = "".join(TRANSLITERATE.get(c, c) for c in lowered)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def normalize_name(name, kind="name", service=None):
    """``Équipe Données 2`` -> ``equipe-donnees-2``; at most 63 characters (see the module doc).

    ``kind`` and ``service`` only shape the error for a name with nothing to keep.
    """
    normalized = _SEPARATORS.sub("-", ascii_fold(name)).strip("-")
    if not normalized:
        raise ValidationError("%s %r has no letters or digits to keep" % (kind, name), service=service)
    if len(normalized) <= MAX_LENGTH:
        return normalized
    digest = hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    return "%s-%s" % (normalized[:KEEP].rstrip("-"), digest)
