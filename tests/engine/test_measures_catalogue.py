"""The measure catalogue as data: the cement table, local defaults, layering, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import PolicyError
from engine.measures import default_catalogue, default_catalogue_text, parse_catalogue

DAY = dt.date(2026, 12, 2)


def _describe(rule):
    return [(a.action, a.value, a.scope, a.processes) for a in rule.actions]


def test_cement_table_of_rules_md_3_2():
    cat = default_catalogue()
    truck = ("transport_restriction", None, "road_transport", ())
    table = {
        ("B", "yellow"): [truck],
        ("B", "orange"): [("limit_output", 0.2, "whole_plant", ()), truck],
        ("B", "red"): [("stop", None, "whole_plant", ()), truck],
        ("C", "yellow"): [("stop_share_of_lines", 0.5, "process", ("clinker",)), truck],
        ("C", "orange"): [("stop", None, "whole_plant", ()), truck],
        ("C", "red"): [("stop", None, "whole_plant", ()), truck],
        ("D", "yellow"): [("stop", None, "whole_plant", ()), truck],
        ("D", "orange"): [("stop", None, "whole_plant", ()), truck],
        ("D", "red"): [("stop", None, "whole_plant", ()), truck],
    }
    for (grade, level), actions in table.items():
        rule = cat.rule_for("cement", grade, level, DAY)
        assert rule is not None and not rule.fallback, (grade, level)
        assert rule.status == "official"
        assert "环办大气函〔2020〕340号" in rule.source and "[S]" in rule.source
        assert _describe(rule) == actions, (grade, level)
    d = cat.rule_for("cement", "D", "yellow", DAY)
    assert d.actions[1].note == "no road transport at all"
    assert cat.rule_for("cement", "A", "orange", DAY) is None  # A is self-directed


def test_every_other_rule_is_a_marked_local_default():
    cat = default_catalogue()
    for rule in cat.rules:
        if "cement" in rule.industries:
            continue
        assert rule.status == "local_default", rule.id
        assert "NOT a national rule" in rule.source, rule.id
    industries = {i for r in cat.rules for i in r.industries}
    assert {
        "steel",
        "coking",
        "flat_glass",
        "ceramics",
        "industrial_coating",
        "packaging_printing",
        "furniture",
        "pharmaceutical",
        "refining_petrochemical",
        "*",
    } <= industries
    assert "other" in cat.industries


def test_policy_defaults_and_unknowns_are_configurable():
    policy = default_catalogue().policy_for(["130100"])
    assert policy.required_ratio == {"yellow": 0.1, "orange": 0.2, "red": 0.3}
    assert "[?]" in policy.required_ratio_source and "[S]" in policy.required_ratio_source
    assert policy.ungraded_as == "D" and "[?]" in policy.sources["ungraded"]
    assert policy.positive_list_exempt is False
    assert policy.self_directed_grades == {"A+", "A", "leading"}
    assert policy.shortfall_tiers == (("D",), ("C",), ("B-", "B"))


def test_region_overrides_inherit_from_ancestors():
    layer = """
[region."130000"]
ungraded_as = "C"
required_ratio = { orange = 0.4 }
[region."130100"]
required_ratio = { red = 0.5 }
"""
    cat = parse_catalogue(default_catalogue_text(), layer)
    city = cat.policy_for(["130100", "130000"])
    assert city.ungraded_as == "C"
    assert city.required_ratio == {"yellow": 0.1, "orange": 0.4, "red": 0.5}
    assert cat.policy_for(["140100", "140000"]).ungraded_as == "D"


def test_seasonal_rule_wins_in_its_season_only():
    layer = """
[[rule]]
id = "winter-steel-B-yellow"
industry = "steel"
grades = ["B"]
levels = ["yellow"]
seasons = ["autumn_winter"]
status = "local_default"
source = "local_default"
actions = [{ action = "limit_output", value = 0.15 }]
"""
    cat = parse_catalogue(default_catalogue_text(), layer)
    assert cat.rule_for("steel", "B", "yellow", dt.date(2026, 1, 10)).id == "winter-steel-B-yellow"
    assert cat.rule_for("steel", "B", "yellow", dt.date(2026, 4, 10)).id == "heavy-B-yellow"
    assert cat.seasons_of(dt.date(2026, 7, 1)) == ("ozone",)
    assert cat.seasons_of(dt.date(2026, 12, 31)) == ("autumn_winter",)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            "[[rule]]\nid='x'\nindustry='cement'\ngrades=['E']\nlevels=['red']\nstatus='official'\n"
            "source='s'\nactions=[]",
            "grade 'E'",
        ),
        (
            "[[rule]]\nid='x'\nindustry='cemnt'\ngrades=['B']\nlevels=['red']\nstatus='official'\n"
            "source='s'\nactions=[]",
            "industry 'cemnt'",
        ),
        (
            "[[rule]]\nid='x'\nindustry='cement'\ngrades=['B']\nlevels=['red']\nstatus='national'\n"
            "source='s'\nactions=[]",
            "status 'national'",
        ),
        (
            "[[rule]]\nid='x'\nindustry='cement'\ngrades=['B']\nlevels=['red']\nstatus='official'\n"
            "source='s'\nactions=[{action='limit_output', value=1.5}]",
            "value in (0, 1]",
        ),
        (
            "[[rule]]\nid='x'\nindustry='cement'\ngrades=['B']\nlevels=['red']\nstatus='official'\n"
            "source='s'\nactions=[{action='stop', scope='process'}]",
            "needs processes",
        ),
        ("rule = [", "not valid TOML"),
    ],
)
def test_bad_layers_are_refused_with_the_reason(layer, message):
    with pytest.raises(
        PolicyError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        parse_catalogue(default_catalogue_text(), layer, names=["base", "sjz.toml"])


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("policy", "guarantee_source"),
        ("policy", "self_directed_source"),
        ("policy", "ungraded_as"),
        ("policy", "shortfall_tiers"),
        ("required_ratio", "orange"),
        ("required_ratio", "source"),
    ],
)
def test_policy_numbers_and_sources_have_no_default_in_code(table, key):
    lines = default_catalogue_text().splitlines()
    inside, kept = None, []
    for line in lines:
        if line.startswith("["):
            inside = line.strip("[]")
        if inside == table and line.split("=")[0].strip() == key:
            continue
        kept.append(line)
    with pytest.raises(PolicyError) as error:
        parse_catalogue("\n".join(kept), names=["engine/data/measures.toml"])
    message = str(error.value)
    assert "engine/data/measures.toml" in message and f"[{table}]" in message
    assert repr(key) in message


def test_a_missing_version_is_refused():
    text = default_catalogue_text().replace('version = "2026.1"\n', "")
    with pytest.raises(PolicyError, match="missing 'version'"):
        parse_catalogue(text, names=["engine/data/measures.toml"])
