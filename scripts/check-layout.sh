#!/usr/bin/env bash
# CONTRIBUTING.md's layout section against the tree: every tracked file is
# listed (by name, by a listed folder ending in /, or by a glob), and every
# listed name exists.  Prints what differs; exits 1 if anything does.
#
#   bash scripts/check-layout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files | python3 -c '
import fnmatch, os, re, sys
text = open("CONTRIBUTING.md", encoding="utf-8").read()
block = re.search(r"^## Layout\n+```\n(.*?)^```", text, re.S | re.M).group(1)
listed = []
for line in block.splitlines():
    if not line.strip():
        continue
    words = line.split()
    # "scripts/demo.sh, demo.sql": the second name in the first one'"'"'s folder
    names = [words[0]] + ([words[1]] if words[0].endswith(",") else [])
    first, *more = [n.strip(",") for n in names]
    listed.append(first)
    listed += [os.path.join(os.path.dirname(first), n) for n in more]
files = [f for f in sys.stdin.read().split("\n") if f]
bad = 0
for name in listed:
    if name.endswith("/"):
        hit = any(f.startswith(name) for f in files)
    else:
        hit = any(fnmatch.fnmatchcase(f, name) for f in files)
    if not hit:
        print("listed, not in the tree:", name)
        bad = 1
for f in files:
    if not any(f == n or (n.endswith("/") and f.startswith(n)) or
               ("*" in n and fnmatch.fnmatchcase(f, n)) for n in listed):
        print("in the tree, not listed:", f)
        bad = 1
sys.exit(bad)
'
