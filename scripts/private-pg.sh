#!/usr/bin/env bash
# A private, relocated copy of Debian's PostgreSQL installation, so that a
# second working tree can install and test its own build of the extension
# without replacing the one in /usr/lib/postgresql:
#
#   bash scripts/private-pg.sh /work/pg-alice          # once
#   PGBIN=/work/pg-alice/lib/postgresql/15/bin make test
#
# PostgreSQL finds its share, lib and include directories relative to its
# binaries, so copying the three trees keeps every path consistent.
set -euo pipefail
DEST=${1:?usage: private-pg.sh DEST}
PGVER=${PGVER:-15}
mkdir -p "$DEST/lib/postgresql" "$DEST/share/postgresql" "$DEST/include"
cp -a "/usr/lib/postgresql/$PGVER" "$DEST/lib/postgresql/"
cp -a "/usr/share/postgresql/$PGVER" "$DEST/share/postgresql/"
cp -a /usr/include/postgresql "$DEST/include/"
chmod -R a+rX "$DEST"
echo "PGBIN=$DEST/lib/postgresql/$PGVER/bin"
