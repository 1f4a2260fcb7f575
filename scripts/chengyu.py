#!/usr/bin/env python3
"""Build the default pack's list of idioms (成语) from jieba's dictionary.

usage: scripts/chengyu.py rules/default/lexicons

Input: the dictionary of the jieba package (MIT licence, copied beside the
output as jieba.LICENSE), downloaded from PyPI with pip. Its words tagged
`i` (idiom) of four or more Chinese characters become chengyu.tsv: a quoted
idiom (“千锤百炼”, “只争朝夕”) is a figure of speech, not the name of a
campaign. Words tagged `l` (set phrases) are not taken: they include
programs (希望工程) and formulations (一岗双责).
"""
import os
import sys

from pypi import sdist_member

PACKAGE = "jieba==0.42.1"
MEMBER = "jieba-0.42.1/jieba/dict.txt"
HEADER = (
    "# Idioms (成语): the words that jieba's dictionary (MIT, see jieba.LICENSE) tags `i`,\n"
    "# of four or more Chinese characters. Built by scripts/chengyu.py.\n"
    "term\n"
)


def han(word):
    return all("\u4e00" <= c <= "\u9fff" for c in word)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    out = sys.argv[1]
    raw = sdist_member(PACKAGE, MEMBER)
    words = set()
    for line in raw.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "i" and len(parts[0]) >= 4 and han(parts[0]):
            words.add(parts[0])
    with open(os.path.join(out, "chengyu.tsv"), "w", encoding="utf-8") as f:
        f.write(HEADER)
        for w in sorted(words):
            f.write(w + "\n")
    print(f"{len(words)} idioms", file=sys.stderr)


if __name__ == "__main__":
    main()
