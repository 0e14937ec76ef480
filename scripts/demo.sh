#!/usr/bin/env bash
# A guided tour of dbt_contract on a throwaway cluster:
#
#   bash scripts/demo.sh          (or: make demo)
#
# Installs what it needs, starts a private server as the unprivileged
# user postgres (socket in a temp dir, no TCP), loads the sample dbt
# project in test/fixtures/jaffle, shows contracts passing and failing
# and the catalog views, then stops and removes the cluster.
source "$(dirname "$0")/common.sh"

install_packages
build_install
make_workdir
mkdir -p "$WORKDIR/demo_cluster"
as_root chown "$RUN_USER" "$WORKDIR/demo_cluster"
trap 'stop_cluster "$WORKDIR/demo_cluster"; as_root rm -rf "$WORKDIR"' EXIT
start_cluster "$WORKDIR/demo_cluster" 54330

log "demo (psql output follows)"
psql -X -q -v fixtures="$WORKDIR/test/fixtures" -f "$REPO/scripts/demo.sql" 2>&1
# The work directory goes when the demo ends; its diagram is kept.
DEMO_OUT=${DEMO_OUT:-$(mktemp -d /tmp/dbt_contract_demo.XXXXXX)}
cp "$WORKDIR"/jaffle_erd.png "$WORKDIR"/jaffle_erd.svg "$DEMO_OUT"/
log "the jaffle project's ER diagram: $DEMO_OUT/jaffle_erd.png (and .svg)"
