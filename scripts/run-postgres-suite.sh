#!/usr/bin/env bash
# PostgreSQL's own regression suite (src/test/regress of the server's
# source tree, the parallel schedule) on a cluster where dbt_contract is
# created in template1, so that the suite's database and every database it
# creates carry the extension and its event triggers:
#
#   bash scripts/run-postgres-suite.sh PGDIR BUILDDIR CLUSTERDIR
#
# PGDIR is an installation with dbt_contract installed, BUILDDIR the built
# source tree of the same major (scripts/pg-servers.sh keeps it).  Prints
# pg_regress's output and differences, then "postgres suite: N passed,
# N failed", where a difference made only by dbt_contract's own objects
# counts as passed (CONTRIBUTING.md lists them) and every assertion failure
# or crash in the server log counts as failed.
source "$(dirname "$0")/common.sh"
PGDIR=${1:?usage: run-postgres-suite.sh PGDIR BUILDDIR CLUSTERDIR}
BUILD=${2:?}
DIR=${3:?}
export PATH="$PGDIR/bin:$PATH"
REG=$BUILD/src/test/regress

mkdir -p "$DIR/out"
as_root chown -R "$RUN_USER" "$DIR"
start_cluster "$DIR" "${POSTGRES_SUITE_PORT:-54341}"
trap 'stop_cluster "$DIR"' EXIT

# What pg_regress would create, made from template1 instead of template0
# (the settings it gives its database are the defaults of a C cluster).
as_user psql -X -q -v ON_ERROR_STOP=1 -d template1 -c 'CREATE EXTENSION dbt_contract'
as_user psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE regression'

(cd "$DIR/out" && as_user "$REG/pg_regress" --inputdir="$REG" --outputdir="$DIR/out" \
   --bindir="$PGDIR/bin" --dlpath="$REG" --schedule="$REG/parallel_schedule" \
   --max-concurrent-tests=20 --use-existing --host="$PGHOST" --port="$PGPORT" \
   --user=postgres) | tee "$DIR/pg_regress.log" || true
DIFFS=$DIR/out/regression.diffs
[ -f "$DIFFS" ] || : >"$DIFFS"
head -400 "$DIFFS"

# A test whose output differs only by dbt_contract's own objects showing
# up is explained, see CONTRIBUTING.md: once spacing (column widths), table
# rules and row counts are set aside, every removed line comes back and
# every added line names dbt_contract.  Any other difference fails.
explained() {  # explained TEST
  awk -v t="/results/$1.out" '
    /^diff / { on = index($0, t) > 0; next }
    !on || /^(---|\+\+\+|@@)/ || !/^[-+]/ { next }
    {
      sign = substr($0, 1, 1); line = substr($0, 2)
      gsub(/[ \t]+/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line)
      if (line ~ /^-+(\+-+)*$/ || line ~ /^\([0-9]+ rows?\)$/) next
      if (sign == "-") removed[line]++; else added[line]++
    }
    END {
      for (l in removed) if (removed[l] > added[l]) exit 1
      for (l in added) if (added[l] > removed[l] && l !~ /dbt_contract/) exit 1
    }' "$DIFFS"
}
ok=$(grep -cE '\.\.\. ok|^ok [0-9]' "$DIR/pg_regress.log" || true)
bad=0
for t in $(sed -nE 's/^(not ok [0-9]+ +- +|[ ]*(test )?)([a-z0-9_.]+) +\.\.\. FAILED.*/\3/p; s/^not ok [0-9]+ +[-+] +([a-z0-9_.]+) .*/\1/p' \
             "$DIR/pg_regress.log" | sort -u); do
  if explained "$t"; then
    echo "explained: $t differs only by dbt_contract's own objects (CONTRIBUTING.md)"
    ok=$((ok + 1))
  else
    echo "unexplained difference: $t"
    bad=$((bad + 1))
  fi
done
if [ "$ok" = 0 ] && [ "$bad" = 0 ]; then bad=1; fi

# An assertion failure or a crashed backend fails the run even when the
# outputs happen to match.
while IFS= read -r line; do
  echo "server log: $line"
  bad=$((bad + 1))
done < <(grep -E 'TRAP: |terminated by signal|was terminated by exception' "$DIR/server.log" || true)
echo "postgres suite: $ok passed, $bad failed"
