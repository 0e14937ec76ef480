"""Helpers shared by the dbt suite's scenarios (test/dbt/e2e).

The server is found through libpq's environment (PGHOST, PGPORT, PGUSER):
run_dbt_tests.sh points it at a throwaway cluster's unix socket, user
postgres, trust authentication.
"""
import importlib.metadata
import os
import re
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
# The dbt-core the suite runs under (test/dbt/requirements*.txt).
DBT_VERSION = tuple(int(x) for x in
                    re.findall(r"\d+", importlib.metadata.version("dbt-core"))[:2])


def needs_dbt(major_minor, why):
    """A pytest mark that skips a test on dbt-core older than major_minor,
    saying which feature it needs."""
    import pytest
    return pytest.mark.skipif(
        DBT_VERSION < major_minor,
        reason=f"needs dbt-core {major_minor[0]}.{major_minor[1]}+ ({why}); "
               f"running {DBT_VERSION[0]}.{DBT_VERSION[1]}")


def lift_test_arguments(text):
    """The test project writes generic tests' arguments under `arguments:`,
    as dbt-core 1.10 asks; 1.8 and 1.9 read them one level up (and would
    pass `arguments` to the test macro as one keyword).  Lift every
    `arguments:` mapping into its parent, keeping the rest of the file
    (anchors, comments) as written."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)arguments:\s*$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        base = len(m.group(1))
        i += 1
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > base):
            out.append(lines[i][2:] if lines[i].strip() else lines[i])
            i += 1
    return "\n".join(out)


def yaml_models(root):
    """The model entries of the YAML files below root."""
    import yaml
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith((".yml", ".yaml")):
                with open(os.path.join(dirpath, f)) as fh:
                    doc = yaml.safe_load(fh) or {}
                yield from doc.get("models") or []


def model_relations(root):
    """{model: relation as dbt names it in the target} for the models of
    the YAML files below root: '{{ target.schema }}[_<schema>].<alias>'."""
    rels = {}
    for m in yaml_models(root):
        cfg = m.get("config") or {}
        schema = "{{ target.schema }}" + (f"_{cfg['schema']}" if cfg.get("schema") else "")
        rels[m["name"]] = f"{schema}.{cfg.get('alias') or m['name']}"
    return rels


def legacy_foreign_keys(text, rels):
    """dbt-core 1.8 renders a foreign key's `to: ref('m')` verbatim into
    the DDL; it resolves only the older form, a REFERENCES clause in
    `expression`.  Rewrite `to:` + `to_columns:` into that form."""
    pat = re.compile(r"^(\s*)to: ref\('(\w+)'\)\n\1to_columns: \[([^\]]*)\]$", re.M)
    return pat.sub(lambda m: f'{m.group(1)}expression: "{rels[m.group(2)]} ({m.group(3)})"', text)


def adapt_yaml(text, rels=None):
    if DBT_VERSION < (1, 10):
        text = lift_test_arguments(text)
    if DBT_VERSION < (1, 9) and rels is not None:
        text = legacy_foreign_keys(text, rels)
    return text


def foreign_key_parents(root):
    """{model: [models its foreign keys' `to: ref(...)` name]}."""
    parents = {}
    for m in yaml_models(root):
        cons = list(m.get("constraints") or [])
        for c in m.get("columns") or []:
            cons += c.get("constraints") or []
        for c in cons:
            hit = re.match(r"ref\('(\w+)'\)", str(c.get("to") or ""))
            if c.get("type") == "foreign_key" and hit:
                parents.setdefault(m["name"], []).append(hit.group(1))
    return parents


def declare_parents(root, parents):
    """What a dbt-core 1.8 user writes for a foreign key in `expression:`:
    a `depends_on` comment, so that dbt builds the parent first."""
    for dirpath, _, files in os.walk(root):
        for f in files:
            name = f[:-4] if f.endswith(".sql") else None
            model = next((m for m in parents
                          if name == m or re.fullmatch(re.escape(m) + r"_v\w+", name or "")), None)
            if model is None:
                continue
            path = os.path.join(dirpath, f)
            with open(path) as fh:
                sql = fh.read()
            refs = "".join(f"-- depends_on: {{{{ ref('{p}') }}}}\n" for p in parents[model])
            with open(path, "w") as fh:
                fh.write(refs + sql)


def adapt_project(root):
    """Make a copy of a project written for dbt-core 1.10+ readable by the
    dbt-core the suite runs under (tests that need what only newer dbt
    does are marked with needs_dbt)."""
    if DBT_VERSION >= (1, 10):
        return
    rels = model_relations(root)
    if DBT_VERSION < (1, 9):
        declare_parents(root, foreign_key_parents(root))
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith((".yml", ".yaml")):
                path = os.path.join(dirpath, f)
                with open(path) as fh:
                    text = fh.read()
                with open(path, "w") as fh:
                    fh.write(adapt_yaml(text, rels))


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
        adapt_project(os.path.join(self.root, "models"))
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
        if rel.endswith((".yml", ".yaml")) and DBT_VERSION < (1, 10):
            text = adapt_yaml(text, model_relations(os.path.join(self.root, "models")))
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
