"""Small named workbooks for the import tests, each carrying one kind of mess or breakage."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

GOOD_CREDIT = "914403001922038216"  # a published code with a valid check digit


def write(path: Path, sheets: dict[str, list[list[Any]]],
          merges: dict[str, list[str]] | None = None) -> Path:
    """Write sheets (name -> rows) with optional merged ranges per sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def messy(path: Path) -> Path:
    """Title rows over headers, header variants, merged cells, full-width digits, spaces,
    quantities with units, 是/√ flags, Chinese dates and spaced phone numbers."""
    return write(path, {
        "企业台账": [
            ["白云区保供企业台账（2022年4月）", None, None, None, None, None, None],
            ["企业名称", " 信用代码 ", "企业类型", "重点保供企业", "负责人", "手机", "地址"],
            ["  新穗鲜超市有限公司 ", GOOD_CREDIT, "连锁超市", "√", "陈 明",
             "138 0000 1234", "白云区 新市街"],
        ],
        "站点": [
            ["站点表", None, None, None, None, None, None, None],
            ["站点编码", "站点名称", "统一社会信用代码", "站点类型", "经度", "纬度",
             "日配送能力"],
            ["ＸＳ０１", "新穗鲜新市店", GOOD_CREDIT, "门店", "113.272", "２３.１９", "2吨"],
            ["XS02", "新穗鲜黄石店", None, "门店", 113.29, 23.2, "3000"],
        ],
        "商品": [
            ["商品编码", "商品名称", "品类", "单位", "每单位公斤数", "冷链", "每箱数量"],
            ["mask-n95", "N95口罩(10只装)", "食盐", "盒", "0.1", "否", "20"],
        ],
        "库存": [
            ["库存盘点表"],
            ["站点编码", "商品编码", "库存数量", "单位", "日期"],
            ["XS01", "rice-5kg", "2吨", None, "2022年4月9日"],
            ["XS01", "mask-n95", "3", "箱", "2022/4/9"],
            ["XS02", "rice-5kg", "１２０", "袋", "20220409"],
        ],
    }, merges={"企业台账": ["A1:G1"], "站点": ["A1:H1", "C3:C4"]})


def broken(path: Path) -> Path:
    """One of each: unknown site, text in a number column, duplicate code, negative count,
    a product code dragged from N95 to N96, a bad credit code, a missing required column."""
    return write(path, {
        "企业": [
            ["企业名称", "统一社会信用代码", "企业类型"],
            ["坏代码公司", "914403001922038217", "批发企业"],
        ],
        "站点": [
            ["站点编码", "站点名称", "统一社会信用代码", "站点类型", "经度", "日配送能力(公斤)"],
            ["ZZ01", "无纬度店", GOOD_CREDIT, "门店", 113.2, 1000],
        ],
        "小区": [
            ["小区编码", "小区名称", "社区编码", "户数", "人口", "经度", "纬度"],
            ["440111016001-09", "新小区", "440111016001", "很多", 100, 113.27, 23.18],
            ["440111016001-10", "另一小区", "440111016001", 30, 80, 113.27, 23.18],
            ["440111016001-10", "重复小区", "440111016001", 31, 81, 113.27, 23.18],
        ],
        "库存": [
            ["站点编码", "商品编码", "数量", "单位", "盘点日期"],
            ["NOPE-1", "rice-5kg", 10, None, "2022-04-09"],
            ["C1S001", "rice-5kg", -5, None, "2022-04-09"],
            ["C1S001", "N96", 10, None, "2022-04-09"],
        ],
    })


def far_cell(path: Path) -> Path:
    """A 5 KB workbook whose only data cell is J100000 (a sheet 100,000 rows tall)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "库存"
    ws.append(["站点编码", "商品编码", "数量", "单位", "盘点日期"])
    ws["J100000"] = "x"
    wb.save(path)
    return path


def huge_merge(path: Path, ref: str = "A2:XFD1048576") -> Path:
    """A tiny workbook whose sheet declares one merged range over `ref` (written into the
    sheet's XML, since openpyxl itself would allocate every merged cell)."""
    plain = path.with_suffix(".plain.xlsx")
    write(plain, {"站点": [["站点编码", "站点名称"], ["S1", "一号店"]]})
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                    b'<mergeCell ref="' + ref.encode() + b'"/></mergeCells>')
            dst.writestr(item, data)
    plain.unlink()
    return path
