"""The sample city generator: deterministic, official names and codes, realistic households."""

from __future__ import annotations

from baogong.sample.generator import SEALED, Size, generate


def test_same_seed_gives_the_same_city() -> None:
    """Two generations with one seed are equal; another seed gives another city."""
    a, b, c = generate(3, Size.SMALL), generate(3, Size.SMALL), generate(4, Size.SMALL)
    assert a == b
    assert a != c


def test_district_has_the_official_subdistricts_and_towns() -> None:
    """The district sample carries Baiyun's 20 subdistricts and 4 towns with their codes."""
    city = generate(1, Size.DISTRICT)
    subs = {r.name: r.code for r in city.regions if r.level in ("subdistrict", "town")}
    assert len(subs) == 24
    assert subs["云城街道"] == "440111016"
    assert {"江高镇", "人和镇", "太和镇", "钟落潭镇"} <= set(subs)
    assert all(name in subs for name in SEALED)


def test_district_households_are_realistic() -> None:
    """Hundreds of compounds, about 2.6 people a household, about 5% elderly living alone."""
    compounds = generate(1, Size.DISTRICT).compounds
    households = sum(c.households for c in compounds)
    people = sum(c.population for c in compounds)
    assert len(compounds) > 500
    assert 1_000_000 < households < 1_600_000
    assert 2.4 < people / households < 2.9
    elderly = sum(c.vulnerable["elderly_alone"] for c in compounds)
    assert 0.03 < elderly / households < 0.07


def test_household_sizes_add_up() -> None:
    """Every compound's households by size add up to its households."""
    for c in generate(5, Size.SMALL).compounds:
        assert c.sizes is not None
        assert sum(c.sizes.values()) == c.households
