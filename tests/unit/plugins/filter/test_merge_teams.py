# -*- coding: utf-8 -*-
"""merge_teams: one Keycloak-wide team list from the clusters' lists (playbooks/site.yml)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.filter.merge_teams import FilterModule

merge_teams = FilterModule().filters()["merge_teams"]


def test_same_team_on_two_clusters_is_one_with_the_union_of_members():
    east = [{"name": "Team A", "members": ["alice"], "admins": ["alice"], "quota": "1GiB"},
            {"name": "Team B", "display_name": "B team", "members": ["bob"]}]
    west = [{"name": "team-b", "members": ["carol", "bob"], "robots": {"push": {"enabled": False}}},
            {"name": "Team C"}]
    assert merge_teams([east, west]) == [
        {"name": "Team A", "state": "present", "members": ["alice"], "admins": ["alice"]},
        {"name": "Team B", "display_name": "B team", "state": "present", "members": ["bob", "carol"]},
        {"name": "Team C", "state": "present"},
    ]


def test_absent_only_when_every_cluster_says_so():
    merged = merge_teams([[{"name": "Old", "state": "absent"}, {"name": "Gone", "state": "absent"}],
                          [{"name": "Old"}], [{"name": "gone", "state": "absent", "purge": True}]])
    assert merged == [{"name": "Old", "state": "present"}, {"name": "Gone", "state": "absent"}]


def test_flat_list_and_empty():
    assert merge_teams([{"name": "X"}, {"name": "x"}]) == [{"name": "X", "state": "present"}]
    assert merge_teams([]) == [] and merge_teams([[], []]) == []


@pytest.mark.parametrize("value, message", [
    ("Team A", "expects a list"),
    ([["Team A"]], "expects teams"),
    ([{"display_name": "no name"}], "needs a name"),
    ([{"name": "A", "state": "gone"}], "use present or absent"),
    ([{"name": "!!!"}], "no letters or digits"),
])
def test_bad_input_fails_naming_the_problem(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        merge_teams(value)
