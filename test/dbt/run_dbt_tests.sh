#!/usr/bin/env bash
# The dbt suite: real dbt (pinned in test/dbt/requirements.txt, or the file
# DBT_REQUIREMENTS names: test/dbt/requirements-1.*.txt) against a
# throwaway cluster with the dbt_contract extension, all run by pytest:
#
#   e2e/test_s1_build.py            the package's on-run-start hook applies the
#                                   project's contracts; dbt build, incremental
#                                   second run, append_new_columns, --full-refresh
#   e2e/test_s2_database_catches.py what dbt misses, the database catches
#   e2e/test_s4_clone.py            dbt_contract_clone for dev targets
#   e2e/test_s6_odcs.py             dbt_contract_generate_odcs vs the ODCS JSON schema
#   e2e/test_s7_loader_fidelity.py  .inf/.nan arguments and quote_columns through the hook
#   e2e/test_s8_fk_targets.py       a foreign key's target stored alike from the
#                                   compiled manifest and the hook
#   e2e/test_s9_post_hook.py        a post-hook altering the table just built
#   e2e/test_s10_targets.py         prod and dev targets in one database, the hook's baseline rules
#   adapter/test_constraints.py     dbt-tests-adapter's constraint suite, as
#                                   dbt-postgres runs it, with the hook active
#
#   bash test/dbt/run_dbt_tests.sh [pytest args]
#
# Builds and installs the extension first unless DBT_SUITE_SKIP_BUILD=1
# (scripts/run-tests.sh has done it).  The virtualenv is cached between
# runs (test/dbt/venv.sh).  Ends with pytest's own closing line; exits with
# pytest's status.
source "$(dirname "$0")/../../scripts/common.sh"
DBT_DIR=$REPO/test/dbt
PORT=${DBT_TEST_PORT:-54336}

if [ "${DBT_SUITE_SKIP_BUILD:-0}" != 1 ]; then
  install_packages
  build_install
fi
source "$DBT_DIR/venv.sh"
dbt_venv

CLUSTER=$(mktemp -d /tmp/dbt_contract_dbt.XXXXXX)
chmod 755 "$CLUSTER"
as_root chown "$RUN_USER" "$CLUSTER"
trap 'stop_cluster "$CLUSTER"; as_root rm -rf "$CLUSTER"' EXIT
start_cluster "$CLUSTER" "$PORT"

log "dbt suite: $("$DBT_VENV/bin/python" -c 'import importlib.metadata as m
print(", ".join(p + " " + m.version(p) for p in ("dbt-core", "dbt-postgres", "dbt-tests-adapter", "pytest")))')"
cd "$DBT_DIR"
status=0
# The client runs as the invoking user (root or not) and connects over the
# cluster's unix socket as database user postgres (trust).
env PYTHONDONTWRITEBYTECODE=1 PGDATABASE=postgres \
  "$DBT_VENV/bin/python" -m pytest -q "$@" || status=$?
exit $status
