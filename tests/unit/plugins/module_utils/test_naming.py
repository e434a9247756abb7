# -*- coding: utf-8 -*-
"""The one team-name rule (naming.normalize_name): transliteration, RFC 1123 length, uniqueness."""

import hashlib
import re

import pytest

from ansible_collections.berth.platform.plugins.module_utils import naming
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import normalize as norm

RFC1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
HARBOR_PROJECT = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


@pytest.mark.parametrize("name,expected", [
    ("Équipe Données 2", "equipe-donnees-2"),
    ("Straße Süd", "strasse-sud"),
    ("STRASSE SÜD", "strasse-sud"),
    ("Ærø Œuvre", "aero-oeuvre"),
    ("Łódź", "lodz"),
    ("Đorđe Þór", "dorde-thor"),
    ("Smørrebrød", "smorrebrod"),
    ("ﬁnance² team", "finance2-team"),
    ("Çà et là", "ca-et-la"),
    ("İstanbul", "istanbul"),
    ("Team Demo", "team-demo"),
    ("team_demo", "team-demo"),
    ("  TEAM--demo ", "team-demo"),
    ("Team.Demo!", "team-demo"),
])
def test_transliterates_instead_of_dropping_letters(name, expected):
    assert naming.normalize_name(name) == expected


def test_keycloak_normalize_group_name_is_the_same_rule():
    assert norm.normalize_group_name("Équipe Données 2") == "equipe-donnees-2"
    assert norm.normalize_name is naming.normalize_name


def test_nothing_to_keep_is_an_error_naming_the_input():
    with pytest.raises(ValidationError) as info:
        norm.normalize_group_name(" _-_ ")
    assert "group name ' _-_ ' has no letters or digits" in str(info.value)
    assert info.value.service == "keycloak"
    with pytest.raises(ValidationError):
        naming.normalize_name("日本")  # no decomposition to ASCII: refused, not emptied silently


def test_63_characters_stay_as_they_are():
    name = "a" * 63
    assert naming.normalize_name(name) == name


def test_longer_names_get_54_characters_and_a_hash_of_the_whole_normalized_name():
    long_name = "Équipe " + "x" * 70                      # normalizes to 77 characters
    full = "equipe-" + "x" * 70
    result = naming.normalize_name(long_name)
    assert len(result) == 63
    assert result == full[:54] + "-" + hashlib.sha256(full.encode("utf-8")).hexdigest()[:8]
    assert RFC1123_LABEL.match(result) and HARBOR_PROJECT.match(result)


def test_long_names_that_differ_only_at_the_end_stay_unique():
    base = "platform engineering team for the payments and billing domain "
    a, b = naming.normalize_name(base + "east"), naming.normalize_name(base + "west")
    assert a != b and len(a) <= 63 and len(b) <= 63
    assert a[:40] == b[:40]


def test_spellings_that_normalize_alike_keep_one_long_name():
    base = "Platform Engineering Team For The Payments And Billing Domain East"
    assert naming.normalize_name(base) == naming.normalize_name(base.lower().replace(" ", "_"))


def test_cut_never_leaves_a_double_dash():
    name = "a" * 53 + " " + "b" * 20  # the 54th character is the separator
    result = naming.normalize_name(name)
    assert "--" not in result and HARBOR_PROJECT.match(result)
    assert result.startswith("a" * 53 + "-") and len(result) == 62


@pytest.mark.parametrize("name", ["Équipe Données 2", "x" * 100, "Straße " * 20, "Team Demo"])
def test_idempotent(name):
    once = naming.normalize_name(name)
    assert naming.normalize_name(once) == once
    assert RFC1123_LABEL.match(once) and len(once) <= 63
