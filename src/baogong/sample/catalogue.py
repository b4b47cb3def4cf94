"""The sample city's product catalogue, standard packs and name pools."""

from __future__ import annotations

from decimal import Decimal as D

from baogong.types import Unit

# code, name, category, unit, kg per unit, shelf life (days), cold chain
PRODUCTS: tuple[tuple[str, str, str, Unit, D, int, bool], ...] = (
    ("rice-5kg", "大米(5公斤装)", "grain", Unit.BAG, D("5"), 365, False),
    ("rice-2.5kg", "大米(2.5公斤装)", "grain", Unit.BAG, D("2.5"), 365, False),
    ("flour-5kg", "面粉(5公斤装)", "grain", Unit.BAG, D("5"), 270, False),
    ("noodles-1kg", "挂面(1公斤)", "grain", Unit.BAG, D("1"), 365, False),
    ("instant-noodles-5", "方便面(5连包)", "grain", Unit.PACK, D("0.55"), 180, False),
    ("oil-peanut-5l", "花生油(5升)", "edible_oil", Unit.BOTTLE, D("4.6"), 540, False),
    ("oil-blend-1.8l", "调和油(1.8升)", "edible_oil", Unit.BOTTLE, D("1.65"), 540, False),
    ("pork-lean-500g", "猪瘦肉(500克)", "pork", Unit.PACK, D("0.5"), 5, True),
    ("pork-ribs-500g", "猪排骨(500克)", "pork", Unit.PACK, D("0.5"), 5, True),
    ("chicken-whole", "冰鲜鸡(整只)", "poultry", Unit.PIECE, D("1.2"), 3, True),
    ("eggs-10", "鸡蛋(10枚装)", "eggs", Unit.BOX, D("0.55"), 30, False),
    ("milk-uht-12", "纯牛奶(250毫升×12)", "dairy", Unit.CASE, D("3.1"), 180, False),
    ("milk-fresh-950ml", "鲜牛奶(950毫升)", "dairy", Unit.BOTTLE, D("1"), 7, True),
    ("salt-400g", "食盐(400克)", "salt", Unit.BAG, D("0.4"), 1095, False),
    ("sugar-500g", "白砂糖(500克)", "sugar", Unit.BAG, D("0.5"), 730, False),
    ("fish-tilapia", "冰鲜罗非鱼", "aquatic", Unit.PIECE, D("0.8"), 3, True),
    ("shrimp-500g", "冻虾仁(500克)", "aquatic", Unit.BAG, D("0.5"), 180, True),
    ("veg-choysum", "菜心", "vegetables", Unit.KG, D("1"), 3, False),
    ("veg-cabbage", "大白菜", "vegetables", Unit.KG, D("1"), 7, False),
    ("veg-potato", "土豆", "vegetables", Unit.KG, D("1"), 30, False),
    ("veg-tomato", "番茄", "vegetables", Unit.KG, D("1"), 7, False),
    ("veg-aromatics", "葱姜蒜组合", "vegetables", Unit.PACK, D("0.2"), 10, False),
    ("fruit-apple", "苹果", "fruit", Unit.KG, D("1"), 30, False),
    ("fruit-banana", "香蕉", "fruit", Unit.KG, D("1"), 7, False),
    ("water-550ml-24", "矿泉水(550毫升×24)", "water", Unit.CASE, D("13.2"), 365, False),
    ("water-5l", "桶装饮用水(5升)", "water", Unit.BOTTLE, D("5"), 365, False),
)

# code, name, cost, price, subsidy, items (product, qty), rules (min size, max size, packs)
PACKS: tuple[tuple[str, str, D, D, D, tuple[tuple[str, D], ...],
                   tuple[tuple[int, int | None, int], ...]], ...] = (
    (
        "veg-10", "10元蔬菜包", D("9.20"), D("10.00"), D("0"),
        (("veg-choysum", D("0.5")), ("veg-cabbage", D("0.5")), ("veg-aromatics", D("1"))),
        ((1, 2, 1), (3, 4, 2), (5, None, 3)),
    ),
    (
        "anxin-1", "安心第一包", D("62.00"), D("68.00"), D("10.00"),
        (("rice-2.5kg", D("1")), ("oil-blend-1.8l", D("1")), ("eggs-10", D("1")),
         ("noodles-1kg", D("1")), ("pork-lean-500g", D("1")), ("veg-potato", D("1")),
         ("salt-400g", D("1"))),
        ((1, 3, 1), (4, None, 2)),
    ),
)

# How much of a sealed day's pack demand the sample city holds in stock, by product: grain
# and oil are plentiful (10+ days are required reserves); fresh pork and eggs run short.
STOCK_COVER: dict[str, float] = {
    "rice-2.5kg": 1.8, "oil-blend-1.8l": 1.5, "eggs-10": 0.75, "noodles-1kg": 1.6,
    "pork-lean-500g": 0.6, "veg-potato": 1.2, "salt-400g": 3.0, "veg-choysum": 0.85,
    "veg-cabbage": 1.1, "veg-aromatics": 0.95,
}

CHAINS = ("穗福超市", "云城优选超市", "白云惠民超市", "岭南鲜生超市")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
    "宋郑谢韩唐冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌辉鹏健宇浩婷雪琳"
COMPOUND_SUFFIXES = ("花园", "小区", "新村", "雅苑", "家园", "公寓", "名苑", "大院", "东区", "西区")
