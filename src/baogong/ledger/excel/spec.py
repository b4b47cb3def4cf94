"""The ledger workbook: its sheets, Chinese headers, accepted header variants and cell types.

The template, the import and the export are all driven by these definitions, so that a
workbook exported from baogong imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baogong.i18n import N_
from baogong.ledger.excel import cells

ENTERPRISE_KINDS = {"连锁超市": "supermarket_chain", "批发企业": "wholesaler",
                    "加工企业": "processor", "生产基地": "farm", "物流企业": "logistics",
                    "供销社": "cooperative"}
SITE_KINDS = {"门店": "store", "仓库": "warehouse", "生产基地": "base"}
UNITS = {"公斤": "kg", "斤": "jin", "袋": "bag", "瓶": "bottle", "盒": "box", "箱": "case",
         "个": "piece", "盘": "tray", "份": "pack"}
CATEGORIES = {"粮食": "grain", "食用油": "edible_oil", "猪肉": "pork", "禽": "poultry",
              "禽肉": "poultry", "蛋": "eggs", "鸡蛋": "eggs", "奶制品": "dairy", "食盐": "salt",
              "食糖": "sugar", "水产品": "aquatic", "蔬菜": "vegetables", "水果": "fruit",
              "饮用水": "water"}
QUALIFICATIONS = {"待审核": "pending", "已核验": "verified", "已暂停": "suspended"}
AVAILABILITY = {"可排班": "available", "在岗": "on_duty", "不可用": "unavailable"}


def _options(labels: dict[str, str]) -> dict[str, str]:
    """Accept the Chinese label or the English value, in any case."""
    out = {k.lower(): v for k, v in labels.items()}
    out.update({v.lower(): v for v in labels.values()})
    return out


def label_of(labels: dict[str, str], value: str) -> str:
    """The first Chinese label of a stored value (for export)."""
    return next(k for k, v in labels.items() if v == value)


@dataclass(frozen=True)
class Column:
    """One column: the key the importer uses, the header, its variants and how to read it."""

    key: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = False
    variants: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    note: str = ""
    example: Any = None
    read_only: bool = False


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, columns and the columns that identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)


def _choice(labels: dict[str, str]) -> Callable[[Any], str]:
    opts = _options(labels)
    return lambda v: cells.choice(v, opts)


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(v: Any) -> Any:
        return None if cells.text(v) == "" else parse(v)
    return read


EXAMPLE_MARK = "示例-"
"""Codes of the template's example rows start with this; such rows are never imported."""


def is_example(value: Any) -> bool:
    """Whether a code cell marks an example row (示例-... or EXAMPLE-...)."""
    text = cells.text(value).lower()
    return text.startswith(("示例", "example"))


PHONE_VARIANTS = ("手机", "电话", "联系方式", "手机号", "手机号码", "联系电话")

SHEETS: tuple[Sheet, ...] = (
    Sheet("企业", (
        Column("name", "企业名称", cells.required, True, ("单位名称", "企业"),
               note=N_("Registered name of the enterprise."), example="广州穗福超市有限公司"),
        Column("credit_code", "统一社会信用代码", cells.credit, True,
               ("信用代码", "社会信用代码", "统一信用代码"),
               note=N_("18 characters; the check digit is verified."),
               example="914403001922038216"),
        Column("kind", "企业类型", _choice(ENTERPRISE_KINDS), True, ("类型",),
               tuple(ENTERPRISE_KINDS), N_("One of the listed kinds."), "连锁超市"),
        Column("key_supply", "重点保供企业", cells.yes_no, False, ("重点企业", "是否重点保供"),
               ("是", "否"), N_("是/否 (Y/N, √ also accepted)."), "是"),
        Column("contact_name", "联系人", cells.text, False, ("负责人",),
               note=N_("Person to call."), example="王伟"),
        Column("phone", "联系电话", _optional(cells.phone), False, PHONE_VARIANTS,
               note=N_("Mobile or landline; spaces and dashes are removed."),
               example="13800001234"),
        Column("address", "地址", cells.text, False, ("企业地址", "注册地址"),
               example="广州市白云区云城街"),
        Column("qualification", "资质状态", cells.text, False, ("审核状态",),
               tuple(QUALIFICATIONS),
               N_("Set by the command centre (baogong supplier ...); ignored on import."),
               "待审核", read_only=True),
    ), key=("credit_code",), note=N_("Supplier enterprises (保供企业).")),
    Sheet("站点", (
        Column("code", "站点编码", cells.code, True, ("编码", "门店编码", "仓库编码"),
               note=N_("Your own unique code of the site."), example="C1S001"),
        Column("name", "站点名称", cells.required, True, ("门店名称", "名称"),
               example="穗福超市萧岗店"),
        Column("credit_code", "统一社会信用代码", cells.credit, True,
               ("信用代码", "社会信用代码", "企业信用代码"),
               note=N_("The enterprise the site belongs to (sheet 企业 or already known)."),
               example="914403001922038216"),
        Column("kind", "站点类型", _choice(SITE_KINDS), True, ("类型",), tuple(SITE_KINDS),
               example="门店"),
        Column("lon", "经度", cells.longitude, True, ("lng", "lon", "longitude", "东经"),
               note=N_("WGS-84 degrees."), example=113.271),
        Column("lat", "纬度", cells.latitude, True, ("lat", "latitude", "北纬"),
               note=N_("WGS-84 degrees."), example=23.179),
        Column("capacity_kg", "日配送能力(公斤)", cells.quantity, True,
               ("日配送能力", "配送能力(公斤)", "日配送能力(kg)", "配送能力"),
               note=N_("Kg a day; 吨, 斤 and other mass units are converted."), example=3000),
        Column("region_code", "所在区域编码", cells.code, False, ("区域编码", "社区编码"),
               note=N_("Code of the community or subdistrict the site is in."),
               example="440111016"),
        Column("address", "地址", cells.text, False, ("站点地址",), example="云城街萧岗路1号"),
        Column("is_open", "营业中", cells.yes_no, False, ("是否营业", "营业状态"), ("是", "否"),
               N_("是 if the site is open and can ship."), "是"),
    ), key=("code",), note=N_("Stores, warehouses and production bases.")),
    Sheet("商品", (
        Column("code", "商品编码", cells.code, True, ("编码", "商品代码"), example="rice-5kg"),
        Column("name", "商品名称", cells.required, True, ("名称", "品名"),
               example="大米(5公斤装)"),
        Column("category", "品类", _choice(CATEGORIES), True, ("类别", "商品类别"),
               tuple(k for k in CATEGORIES if k not in ("禽肉", "鸡蛋")),
               N_("One of the 12 monitored categories."), "粮食"),
        Column("unit", "单位", _choice(UNITS), True, ("计量单位",), tuple(UNITS), example="袋"),
        Column("kg_per_unit", "每单位公斤数", cells.non_negative, True,
               ("单位重量(公斤)", "每单位重量"), note=N_("Kg one unit weighs."), example=5),
        Column("cold_chain", "冷链", cells.yes_no, False, ("是否冷链",), ("是", "否"),
               example="否"),
        Column("shelf_life_days", "保质期(天)", _optional(cells.whole), False, ("保质期",),
               example=365),
        Column("units_per_case", "每箱数量", _optional(cells.whole), False, ("箱规",),
               note=N_("Units in a case, to read stock given in cases (箱)."), example=4),
    ), key=("code",), note=N_("The product catalogue.")),
    Sheet("库存", (
        Column("site", "站点编码", cells.code, True, ("门店编码", "仓库编码"), example="C1S001"),
        Column("product", "商品编码", cells.code, True, ("商品代码",), example="rice-5kg"),
        Column("quantity", "数量", cells.quantity, True, ("库存数量", "库存", "盘点数量"),
               note=N_("Counted stock; 20吨, 500斤 or a number with the unit in 单位."),
               example="2吨"),
        Column("unit", "单位", cells.text, False, ("计量单位",),
               note=N_("Empty: the product's own unit. 吨/公斤/斤/克/箱 are converted.")),
        Column("counted_on", "盘点日期", cells.date_cell, True, ("日期", "统计日期"),
               note=N_("Day of the count, e.g. 2022-04-09."), example="2022-04-09"),
    ), key=("site", "product"), note=N_("Counted stock per site and product; the difference "
                                        "from the book balance is booked as an adjustment.")),
    Sheet("社区", (
        Column("code", "社区编码", cells.code, True, ("编码", "居委会编码"),
               note=N_("The official 12-digit code."), example="440111016001"),
        Column("name", "社区名称", cells.required, True, ("名称", "社区"), example="萧岗社区"),
        Column("parent", "街道编码", cells.code, True, ("街道(镇)编码", "镇街编码"),
               note=N_("The subdistrict or town (9-digit code)."), example="440111016"),
        Column("lon", "经度", _optional(cells.longitude), False, ("lng", "lon"),
               example=113.27),
        Column("lat", "纬度", _optional(cells.latitude), False, ("lat",), example=23.18),
    ), key=("code",), note=N_("Communities and villages (use the official 12-digit code).")),
    Sheet("小区", (
        Column("code", "小区编码", cells.code, True, ("编码",), example="440111016001-01"),
        Column("name", "小区名称", cells.required, True, ("名称", "小区"), example="萧岗花园"),
        Column("parent", "社区编码", cells.code, True, ("所属社区编码",), example="440111016001"),
        Column("households", "户数", cells.whole, True, ("总户数",), example=1200),
        Column("population", "人口", cells.whole, True, ("人口数", "常住人口", "人数"),
               example=3100),
        Column("elderly_alone", "独居老人户数", _optional(cells.whole), False, ("独居老人",),
               example=60),
        Column("seriously_ill", "重病患者户数", _optional(cells.whole), False, ("重病户数",),
               example=12),
        Column("disabled", "残疾人户数", _optional(cells.whole), False, ("残疾户数",),
               example=18),
        Column("hardship", "困难家庭户数", _optional(cells.whole), False, ("困难户数",),
               example=9),
        Column("infants_pregnant", "孕婴户数", _optional(cells.whole), False, ("婴幼儿孕妇户数",),
               example=36),
        Column("buildings", "楼栋数", _optional(cells.whole), False, ("栋数",), example=20),
        Column("lon", "经度", cells.longitude, True, ("lng", "lon"), example=113.272),
        Column("lat", "纬度", cells.latitude, True, ("lat",), example=23.181),
    ), key=("code",), note=N_("Residential compounds with households and vulnerable residents.")),
    Sheet("车辆", (
        Column("plate", "车牌号", cells.code, True, ("车牌",), example="粤A12345"),
        Column("kind", "车型", cells.text, False, ("车辆类型",), example="van"),
        Column("capacity_kg", "载重(公斤)", cells.quantity, True, ("载重", "核载(公斤)"),
               note=N_("Kg; 吨 and other mass units are converted."), example="1.5吨"),
        Column("cold_chain", "冷链", cells.yes_no, False, ("冷藏车", "是否冷链"), ("是", "否"),
               example="否"),
        Column("pass_permit", "通行证号", cells.code, False, ("通行证",),
               note=N_("Needed to enter sealed and controlled zones."), example="BY-100001"),
        Column("permit_valid_to", "通行证有效期", _optional(cells.date_cell), False, ("有效期",),
               example="2022-04-30"),
        Column("home_site", "所属站点编码", cells.code, False, ("站点编码",), example="C1S001"),
        Column("driver_name", "司机", cells.text, False, ("驾驶员",), example="陈强"),
        Column("driver_phone", "司机电话", _optional(cells.phone), False, ("驾驶员电话",),
               example="13900001234"),
    ), key=("plate",), note=N_("Vans and trucks, with pass permits for sealed areas.")),
    Sheet("志愿者", (
        Column("code", "志愿者编号", cells.code, True, ("编号",), example="V0001"),
        Column("name", "姓名", cells.required, True, (), example="李娜"),
        Column("phone", "手机", cells.phone, True, ("联系电话", "电话", "手机号"),
               example="13700001234"),
        Column("team_code", "队伍编码", cells.code, False, ("队伍编号",),
               note=N_("A new code creates the team."), example="T-440111016001"),
        Column("team_name", "队伍名称", cells.text, False, ("队伍", "所属队伍"),
               example="萧岗社区志愿服务队"),
        Column("region", "所属社区编码", cells.code, False, ("社区编码",),
               example="440111016001"),
        Column("availability", "状态", _optional(_choice(AVAILABILITY)), False, ("排班状态",),
               tuple(AVAILABILITY), example="可排班"),
        Column("hours_per_day", "每日可服务小时", _optional(cells.non_negative), False,
               ("每日时长", "可服务时长"), example=8),
    ), key=("code",), note=N_("Volunteers and the teams they serve in.")),
)
