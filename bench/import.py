"""Benchmark: import a generated ledger workbook with a 100,000-row stock sheet.

Prints the instance size, the time of each phase, rows per second, and the ratio of the whole
import to the floor: openpyxl merely reading the same file in the same process.

    python bench/import.py [--rows 100000] [--database-url sqlite:///...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl
from openpyxl import Workbook

from baogong import migrate
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.db import make_engine, session_factory
from baogong.ledger.excel import importer
from baogong.ledger.models import StockBalance

CREDIT = "914403001922038216"


def make_workbook(path: Path, rows: int) -> tuple[int, int]:
    """One enterprise, enough sites x products for `rows` distinct stock counts."""
    products = 100
    sites = max(1, -(-rows // products))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业")
    ws.append(["企业名称", "统一社会信用代码", "企业类型"])
    ws.append(["基准测试超市有限公司", CREDIT, "连锁超市"])
    ws = wb.create_sheet("站点")
    ws.append(["站点编码", "站点名称", "统一社会信用代码", "站点类型", "经度", "纬度",
               "日配送能力(公斤)"])
    for i in range(sites):
        ws.append([f"B{i:05d}", f"基准店{i}", CREDIT, "门店", 113.2 + i % 100 / 1000,
                   23.1 + i // 100 / 1000, 3000])
    ws = wb.create_sheet("商品")
    ws.append(["商品编码", "商品名称", "品类", "单位", "每单位公斤数", "每箱数量"])
    for j in range(products):
        ws.append([f"P{j:03d}", f"商品{j}", "粮食", "袋", 5, 4])
    ws = wb.create_sheet("库存")
    ws.append(["站点编码", "商品编码", "数量", "单位", "盘点日期"])
    units = ("", "吨", "箱", "公斤")
    for k in range(rows):
        unit = units[k % 4]
        qty = {"": 120, "吨": "0.5", "箱": 7, "公斤": 250}[unit]
        ws.append([f"B{k // products:05d}", f"P{k % products:03d}", qty, unit, "2022-04-09"])
    wb.save(path)
    return sites, products


def run(rows: int, url: str | None) -> dict[str, float]:
    """Generate, import into a fresh database, and return the timings."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stock.xlsx"
        t0 = time.perf_counter()
        sites, products = make_workbook(path, rows)
        t_gen = time.perf_counter() - t0
        engine = make_engine(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        t0 = time.perf_counter()
        wb = openpyxl.load_workbook(path, read_only=True)
        n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
        wb.close()
        t_floor = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = importer.read(path)
        t_read = time.perf_counter() - t0
        assert not isinstance(raw, importer.Problem)
        factory = session_factory(engine)
        t0 = time.perf_counter()
        with factory() as s:
            report = importer.import_sheets(s, raw, file_name=path.name,
                                            actor=Actor("bench", Source.FILE))
            assert report.written, [p.text() for p in report.errors[:5]]
            s.commit()
        t_apply = time.perf_counter() - t0
        with factory() as s:
            balances = s.query(StockBalance).count()
        engine.dispose()
    total = t_read + t_apply
    print(f"instance: {rows:,} stock rows ({sites:,} sites x {products} products), "
          f"{n:,} rows in the workbook, database {engine.dialect.name}")
    print(f"generate workbook      {t_gen:8.2f} s")
    print(f"openpyxl read (floor)  {t_floor:8.2f} s")
    print(f"baogong read           {t_read:8.2f} s")
    print(f"parse + check + write  {t_apply:8.2f} s")
    print(f"import total           {total:8.2f} s   {rows / total:,.0f} stock rows/s")
    print(f"ratio import / floor   {total / t_floor:8.2f}x")
    assert balances == rows, (balances, rows)
    return {"total_s": total, "floor_s": t_floor, "rows_per_s": rows / total}


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.rows, args.database_url)


if __name__ == "__main__":
    main()
