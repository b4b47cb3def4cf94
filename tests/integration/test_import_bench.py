"""The import benchmark runs end to end at a tiny size (so its code cannot rot), on both
backends, and imports what it generates."""

import runpy
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.ledger.models import Product, Site, StockBalance

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import.py"
# The bench's stock rows cycle through four ways of counting the same 5 kg bag (4 to a case):
# 120 bags, 0.5 t, 7 cases, 250 kg.
BAGS = (Decimal(120), Decimal(100), Decimal(28), Decimal(50))


def test_import_bench_tiny(factory: sessionmaker[Session]) -> None:
    """bench/import.py imports 300 stock rows (3 sites x 100 products) and every balance lands
    in bags, converted from tonnes, cases and kg; its rate is the rows over the import time."""
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    result = runpy.run_path(str(BENCH))["run"](300, url)
    assert result["rows_per_s"] == pytest.approx(300 / result["total_s"])
    with factory() as s:
        rows = s.execute(select(Site.code, Product.code, StockBalance.quantity)
                         .join(Site, Site.id == StockBalance.site_id)
                         .join(Product, Product.id == StockBalance.product_id)).all()
    assert len(rows) == 300
    assert {site for site, _p, _q in rows} == {"B00000", "B00001", "B00002"}
    for site, product, quantity in rows:
        k = int(site[1:]) * 100 + int(product[1:])
        assert quantity == BAGS[k % 4], (site, product)
    assert sum(q for _s, _p, q in rows) == 75 * sum(BAGS)
