"""The chart's harbor.fullname rule, case by case against chart 1.19's _helpers.tpl."""

import pytest

from ansible_collections.berth.platform.plugins.filter.harbor_fullname import harbor_fullname
from ansible_collections.berth.platform.plugins.module_utils.chart_names import component_name, fullname
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError


@pytest.mark.parametrize("release, name_override, fullname_override, expected", [
    ("harbor", None, None, "harbor"),
    ("hub", None, None, "hub-harbor"),
    ("my-harbor", None, None, "my-harbor"),
    ("harbor-prod", None, None, "harbor-prod"),
    ("hub", "registry", None, "hub-registry"),
    ("registry-hub", "registry", None, "registry-hub"),
    ("hub", None, "cr", "cr"),
    ("hub", "registry", "cr-", "cr"),
    ("r" * 70, None, None, "r" * 63),
    ("a" * 62 + "-b", None, None, "a" * 62),
])
def test_fullname_as_the_chart_derives_it(release, name_override, fullname_override, expected):
    assert fullname(release, name_override, fullname_override) == expected


def test_component_names():
    assert component_name("core", "hub") == "hub-harbor-core"
    assert component_name("database", "harbor") == "harbor-database"
    with pytest.raises(ValidationError, match="unknown Harbor chart component"):
        component_name("nope", "harbor")


def test_filter():
    assert harbor_fullname("hub", component="portal") == "hub-harbor-portal"
    assert harbor_fullname("hub", fullname_override="") == "hub-harbor"
    with pytest.raises(Exception, match="release name as a string"):
        harbor_fullname(3)
