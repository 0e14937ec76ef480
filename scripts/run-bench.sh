#!/usr/bin/env bash
# Run every benchmark under test/bench (each a self-contained
# test/bench/bench_*.sh that prints its own figures).
#
#   bash scripts/run-bench.sh          (or: make bench)
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for b in test/bench/bench_*.sh; do
  [ -e "$b" ] || continue
  printf '\n######## %s\n' "$b"
  bash "$b" || { echo "$b failed"; status=1; }
done
exit $status
