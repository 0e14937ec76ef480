"""Helpers shared by the dbt suite's scenarios (test/dbt/e2e).

The server is found through libpq's environment (PGHOST, PGPORT, PGUSER):
run_dbt_tests.sh points it at a throwaway cluster's unix socket, user
postgres, trust authentication.
"""
import os
import shutil
import subprocess
import sys

import psycopg2
import psycopg2.extensions

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROJECT_SRC = os.path.join(HERE, "project")
# The dbt package users install; the test project names it by the
# relative path from test/dbt/project to the repository's dbt/.
PACKAGE_SRC = os.path.join(REPO, "dbt")
DBT = os.path.join(os.path.dirname(sys.executable), "dbt")
PROJECT_NAME = "contract_e2e"
SOURCE = "dbt:" + PROJECT_NAME


def connect(dbname="postgres"):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def fresh_database(dbname):
    """An empty database with the dbt_contract extension."""
    admin = connect()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{dbname}"')
    admin.close()
    conn = connect(dbname)
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION dbt_contract")
    conn.close()


class DbtResult:
    def __init__(self, args, returncode, output):
        self.args = args
        self.returncode = returncode
        self.output = output

    @property
    def ok(self):
        return self.returncode == 0

    def tail(self, n=6000):
        return self.output[-n:]


class Project:
    """A copy of test/dbt/project and of the package in dbt/, laid out in a
    temporary directory as in the repository (so packages.yml's relative
    path holds), bound to one database."""

    def __init__(self, workdir, dbname, env=None):
        self.root = os.path.join(workdir, os.path.relpath(PROJECT_SRC, REPO))
        self.dbname = dbname
        shutil.copytree(PROJECT_SRC, self.root)
        shutil.copytree(PACKAGE_SRC, os.path.join(workdir, "dbt"))
        self.env = dict(os.environ)
        self.env.update({
            "PGDATABASE": dbname,
            "DBT_PROFILES_DIR": self.root,
            "DBT_USE_COLORS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PRINTER_WIDTH": "120",
        })
        self.env.update(env or {})
        self._conn = None
        self.dbt("deps")

    # --- dbt -------------------------------------------------------------
    def dbt(self, *args, expect_ok=True, target=None, vars=None):
        cmd = [DBT, *args]
        if target:
            cmd += ["--target", target]
        if vars:
            cmd += ["--vars", vars]
        proc = subprocess.run(cmd, cwd=self.root, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=900)
        res = DbtResult(cmd, proc.returncode, proc.stdout)
        if expect_ok is not None:
            want = "succeed" if expect_ok else "fail"
            assert res.ok == expect_ok, (
                f"expected `{' '.join(args)}` to {want}; exit {res.returncode}; "
                f"output:\n{res.tail()}")
        return res

    # --- files -----------------------------------------------------------
    def path(self, rel):
        return os.path.join(self.root, rel)

    def read(self, rel):
        with open(self.path(rel)) as f:
            return f.read()

    def write(self, rel, text):
        with open(self.path(rel), "w") as f:
            f.write(text)

    # --- SQL -------------------------------------------------------------
    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.dbname)
        return self._conn

    def sql(self, query, params=None):
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None

    def value(self, query, params=None):
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def column_type(self, relation, column):
        return self.value(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = %s AND NOT attisdropped",
            (relation, column))

    def close(self):
        if self._conn is not None and not self._conn.closed:
            self._conn.close()


def expect_sql_error(conn, statements, sqlstate=None):
    """Run statements in one transaction; it must fail.  Returns the
    psycopg2 error; the transaction is rolled back."""
    old = conn.autocommit
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            for s in statements:
                cur.execute(s)
        conn.commit()
    except psycopg2.Error as e:
        conn.rollback()
        if sqlstate is not None:
            assert e.pgcode == sqlstate, f"SQLSTATE {e.pgcode}, wanted {sqlstate}: {e}"
        return e
    finally:
        conn.autocommit = old
    raise AssertionError(f"expected an error from: {statements}")
