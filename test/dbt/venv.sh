# Sourced by test/dbt/run_dbt_tests.sh, test/bench/bench_dbt_*.sh and
# test/fuzz/run-fuzz.sh.
#
# cached_venv REQUIREMENTS NAME sets CACHED_VENV to a Python virtualenv
# holding exactly REQUIREMENTS, creating it if needed, under
#   ${DBT_CONTRACT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbt_contract}/NAME-<hash>
# where <hash> is that of the Python version and the requirements file, so
# a changed pin set gets a new venv and an unchanged one is reused.  A
# venv is used only once its install finished (marker file .complete); a
# broken one is rebuilt.
#
# dbt_venv sets DBT_VENV to the one of $DBT_REQUIREMENTS, by default
# test/dbt/requirements.txt (DBT_VENV set beforehand is used as it is).

cached_venv() {
  local req=$1 name=$2 hash cache dir py i
  py=${DBT_PYTHON:-python3}
  hash=$({ "$py" -c 'import sys; print(sys.version_info[:2])'; cat "$req"; } | sha256sum | cut -c1-16)
  cache=${DBT_CONTRACT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbt_contract}
  dir=$cache/$name-$hash
  if [ ! -f "$dir/.complete" ]; then
    if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      # Debian's python3 needs python3-venv for "python3 -m venv".
      install_packages python3-venv
    fi
    if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
      cache=$(mktemp -d /tmp/dbt_contract_venv.XXXXXX)   # no cache: this run only
      dir=$cache/$name-$hash
    fi
    log "creating the virtualenv $dir"
    rm -rf "$dir"
    "$py" -m venv "$dir"
    for i in 1 2 3; do
      "$dir/bin/python" -m pip install -q --disable-pip-version-check \
        --no-input -r "$req" && break
      [ "$i" = 3 ] && { echo "pip install of $req failed" >&2; return 1; }
      sleep $((i * 10))
    done
    touch "$dir/.complete"
  fi
  CACHED_VENV=$dir
}

# dbt_requirements MINOR prints the requirements file of a dbt-core minor
# (1.8, ...): requirements-MINOR.txt, or requirements.txt when its pinned
# dbt-core is that minor.
dbt_requirements() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if [ -f "$here/requirements-$1.txt" ]; then
    echo "$here/requirements-$1.txt"
  elif grep -q "^dbt-core==$1\." "$here/requirements.txt"; then
    echo "$here/requirements.txt"
  else
    echo "no requirements file for dbt-core $1 in $here" >&2
    return 1
  fi
}

dbt_venv() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if [ -n "${DBT_VENV:-}" ] && [ -x "$DBT_VENV/bin/dbt" ]; then
    export DBT_VENV
    return 0
  fi
  cached_venv "${DBT_REQUIREMENTS:-$here/requirements.txt}" venv || return 1
  DBT_VENV=$CACHED_VENV
  export DBT_VENV
}
