#!/usr/bin/env python3
"""Turns llama.cpp's src/unicode-data.cpp into the compact table KV Lens reads
(inference/src/main/resources/dev/kvlens/inference/tokenizer/llama-unicode.txt), so that code point
categories, whitespace, lower-casing and the first-code-point NFD map are exactly llama.cpp's.
usage: gen-unicode-tables.py LLAMA_CPP/src/unicode-data.cpp OUT.txt "llama.cpp revision text"
(node-llama-cpp ships llama.cpp's sources as node_modules/node-llama-cpp/llama/gitRelease.bundle)."""
import re, sys

src, out, revision = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(src, encoding="utf-8").read()

def block(name):
    m = re.search(name + r"\s*=\s*\{(.*?)\n\};", text, re.S)
    return m.group(1)

def tuples(body):
    return [tuple(int(x, 16) for x in t.split(",")) for t in re.findall(r"\{([0-9A-Fa-fx, ]+)\}", body)]

flags = tuples(block("unicode_ranges_flags"))
white = [int(x, 16) for x in re.findall(r"0x[0-9A-Fa-f]+", block("unicode_set_whitespace"))]
lower = tuples(block("unicode_map_lowercase"))
nfd = tuples(block("unicode_ranges_nfd"))
with open(out, "w", encoding="ascii") as f:
    f.write("# llama.cpp unicode-data.cpp tables, " + revision + "\n")
    f.write("# F start flags (until the next start); W whitespace; L code point, lower case; N first last nfd\n")
    for a, b in flags:
        f.write("F %x %x\n" % (a, b))
    for w in sorted(white):
        f.write("W %x\n" % w)
    for a, b in lower:
        f.write("L %x %x\n" % (a, b))
    for a, b, c in nfd:
        f.write("N %x %x %x\n" % (a, b, c))
