# Sourced by test/dbt/run_dbt_tests.sh and test/bench/bench_dbt_*.sh:
# dbt_venv sets DBT_VENV to a Python virtualenv holding exactly
# test/dbt/requirements.txt, creating it if needed.
#
# The venv is cached between runs under
#   ${DBT_CONTRACT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbt_contract}/venv-<hash>
# where <hash> is that of requirements.txt, so a changed pin set gets a new
# venv and an unchanged one is reused.  A venv is used only once its
# install finished (marker file .complete); a broken one is rebuilt.
# DBT_VENV set beforehand is used as it is.

dbt_venv() {
  local req here hash cache dir py
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  req=$here/requirements.txt
  if [ -n "${DBT_VENV:-}" ] && [ -x "$DBT_VENV/bin/dbt" ]; then
    export DBT_VENV
    return 0
  fi
  py=${DBT_PYTHON:-python3}
  hash=$({ "$py" -c 'import sys; print(sys.version_info[:2])'; cat "$req"; } | sha256sum | cut -c1-16)
  cache=${DBT_CONTRACT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbt_contract}
  dir=$cache/venv-$hash
  if [ ! -f "$dir/.complete" ]; then
    if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      # Debian's python3 needs python3-venv for "python3 -m venv".
      install_packages python3-venv
    fi
    if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
      cache=$(mktemp -d /tmp/dbt_contract_venv.XXXXXX)   # no cache: this run only
      dir=$cache/venv-$hash
    fi
    log "creating the dbt virtualenv $dir"
    rm -rf "$dir"
    "$py" -m venv "$dir"
    local i
    for i in 1 2 3; do
      "$dir/bin/python" -m pip install -q --disable-pip-version-check \
        --no-input -r "$req" && break
      [ "$i" = 3 ] && { echo "pip install of $req failed" >&2; return 1; }
      sleep $((i * 10))
    done
    touch "$dir/.complete"
  fi
  DBT_VENV=$dir
  export DBT_VENV
}
