# -*- coding: utf-8 -*-
"""The team_name filter is the module_utils rule, and fails like a filter."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.filter.team_name import FilterModule
from ansible_collections.berth.platform.plugins.module_utils.naming import normalize_name

team_name = FilterModule().filters()["team_name"]


@pytest.mark.parametrize("name", ["Team A", "Équipe Données 2", "Straße Süd", "x" * 80, "team-a-admins"])
def test_same_rule_as_module_utils(name):
    assert team_name(name) == normalize_name(name)


def test_nothing_to_keep_or_not_a_string_fails():
    with pytest.raises(AnsibleFilterError, match="no letters or digits"):
        team_name("!!!")
    with pytest.raises(AnsibleFilterError, match="expects a string"):
        team_name(3)
