"""How many packs a compound needs, and how many of them go to vulnerable households."""

from decimal import Decimal

from baogong.demand.service import packs_for_compound
from baogong.ledger.models import PackRule, PackTemplate
from baogong.regions.models import Region, RegionLevel


def _pack() -> PackTemplate:
    pack = PackTemplate(code="veg", name="菜包", cost=Decimal(9), price=Decimal(10))
    pack.rules = [PackRule(min_size=1, max_size=2, packs=1), PackRule(min_size=3, max_size=None,
                                                                      packs=2)]
    return pack


def _compound(**kw: int) -> Region:
    base = dict(households=10, population=26, elderly_alone=0, seriously_ill=0, disabled=0,
                hardship=0, infants_pregnant=0)
    base.update(kw)
    return Region(code="c", name="c", level=RegionLevel.COMPOUND, path="/1/",
                  household_sizes={"1": 2, "2": 3, "3": 3, "4": 1, "5": 1}, **base)


def test_households_by_size_decide_the_count() -> None:
    """Five one- and two-person households get 1 pack each, five larger ones 2 each."""
    assert packs_for_compound(_compound(), _pack()) == (15, 0)


def test_vulnerable_households_are_priority() -> None:
    """Two elderly alone get 1 pack each; a disabled household gets the mean, rounded up."""
    total, priority = packs_for_compound(_compound(elderly_alone=2, disabled=1), _pack())
    assert total == 15
    assert priority == 2 + 2


def test_priority_never_exceeds_total() -> None:
    """Even if every category is counted, priority packs are capped at the total."""
    c = _compound(elderly_alone=2, seriously_ill=10, disabled=10, hardship=10)
    total, priority = packs_for_compound(c, _pack())
    assert priority == total
