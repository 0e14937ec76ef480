#!/usr/bin/env bash
# make fuzz: build and install the extension (into $PGBIN's installation),
# start a throwaway cluster, and run test/fuzz/fuzz.py against it for
# FUZZ_SECONDS (default 300).  FUZZ_SEED repeats a run; findings go to
# test/fuzz/findings/ (FUZZ_FINDINGS overrides).  Exits non-zero on a new
# finding, a crash or an invalid generated statement.
source "$(dirname "$0")/../../scripts/common.sh"
source "$REPO/test/dbt/venv.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-300}
FUZZ_FINDINGS=${FUZZ_FINDINGS:-$REPO/test/fuzz/findings}
install_packages
build_install
cached_venv "$REPO/test/fuzz/requirements.txt" fuzz-venv
FUZZ_VENV=$CACHED_VENV
throwaway_cluster "${FUZZ_PORT:-54351}"
as_user psql -q -X -d postgres -c "CREATE DATABASE fuzz" >/dev/null
mkdir -p "$FUZZ_FINDINGS"
log "fuzzing for $FUZZ_SECONDS s (server log $CLUSTER/server.log)"
rc=0
PGDATABASE=fuzz "$FUZZ_VENV/bin/python" "$REPO/test/fuzz/fuzz.py" \
  --seconds "$FUZZ_SECONDS" --findings "$FUZZ_FINDINGS" --log "$CLUSTER/server.log" \
  ${FUZZ_SEED:+--seed "$FUZZ_SEED"} ${FUZZ_STATS:+--stats "$FUZZ_STATS"} || rc=$?
if grep -qE 'terminated by signal|TRAP:|PANIC:' "$CLUSTER/server.log"; then
  echo "server log reports a crash:" >&2
  grep -E 'terminated by signal|TRAP:|PANIC:' "$CLUSTER/server.log" | head -5 >&2
  rc=1
fi
exit $rc
