#!/usr/bin/env python3
"""Mutational fuzzer of dbt_contract's data path.

Seeds are the YAML files under test/fixtures and the YAML the regression
suites pass to dbt_contract_apply_yaml.  Each case mutates one seed (as a
YAML tree: hostile scalars, duplicated and deleted keys and items, swapped
types, deep nesting, anchors, aliases, merge keys, tags, dbt's to: and
expression forms; or as bytes) and runs it through

    diff_yaml -> apply_yaml -> the catalog views -> verify ->
    ddl (parsed back, then run in a rolled-back transaction) ->
    repair (on a bare table, in a rolled-back transaction)

asserting, per case:
  1. no backend crash: the server still answers and its log has no
     "terminated by signal", TRAP, PANIC or leak warning;
  2. after every failed apply the catalog (every view and table, as jsonb)
     and the DDL of the models loaded before are what they were;
  3. every dbt_contract_ddl() result is exactly one CREATE TABLE of the
     model's relation and every statement dbt_contract_repair() reports is
     exactly one ALTER TABLE of the repaired relation
     (dbt_contract.parse_statements);
  4. running the DDL on an empty schema creates that table and objects
     belonging to it, nothing else, and fails, if at all, with an ordinary
     SQL error;
and, throughout, that no call fails with an internal error (class XX or
58), that error messages stay bounded, and that statements finish within
statement_timeout.

A failure is minimized (lines, then tree nodes) and written to the
findings directory as a psql script that reproduces it on a fresh
database with the extension.

Usage: fuzz.py --seconds N --findings DIR --log SERVER_LOG [--seed S]
(connection from PGHOST/PGPORT/PGUSER/PGDATABASE).
"""

import argparse
import copy
import glob
import hashlib
import json
import os
import random
import re
import resource
import sys
import time

import psycopg
import yaml

sys.setrecursionlimit(200000)
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


def load_seeds():
    seeds = []
    for path in sorted(glob.glob(os.path.join(REPO, "test/fixtures/**/*.y*ml"),
                                 recursive=True)):
        with open(path, "rb") as f:
            data = f.read()
        seeds.append((os.path.relpath(path, REPO), data.decode("utf-8", "replace")))
    pat = re.compile(r"(?:apply_yaml|diff_yaml)\(\s*\$([A-Za-z_]*)\$(.*?)\$\1\$", re.S)
    for path in sorted(glob.glob(os.path.join(REPO, "sql/*.sql"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for i, m in enumerate(pat.finditer(text)):
            seeds.append(("%s#%d" % (os.path.relpath(path, REPO), i), m.group(2)))
    out = []
    for name, text in seeds:
        try:
            node = compose(text)
        except Exception:
            node = None
        out.append((name, text, node))
    return out


# A YAML tree of our own, so that duplicate keys, anchors, aliases, merge
# keys and tags survive: ["map", [(k, v)...], props], ["seq", [...], props],
# ["scalar", text, props], ["alias", name, props]; props: {anchor, tag, style}.

def compose(text):
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        raise ValueError("empty")
    seen = {}

    def conv(n):
        # a node met twice is an alias of its first occurrence (never expanded:
        # the seeds include an alias bomb)
        if id(n) in seen:
            first = seen[id(n)]
            first[2].setdefault("anchor", "s%d" % len(seen))
            return ["alias", first[2]["anchor"], {}]
        props = {}
        if isinstance(n, yaml.ScalarNode):
            props["style"] = n.style or "plain"
            out = seen[id(n)] = ["scalar", n.value, props]
            return out
        if isinstance(n, yaml.SequenceNode):
            out = seen[id(n)] = ["seq", [], props]
            out[1].extend(conv(x) for x in n.value)
            return out
        out = seen[id(n)] = ["map", [], props]
        out[1].extend((conv(k), conv(v)) for k, v in n.value)
        return out
    return conv(root)


def scalar(v):
    return ["scalar", v, {}]


def py2node(v):
    if isinstance(v, dict):
        return ["map", [(scalar(str(k)), py2node(x)) for k, x in v.items()], {}]
    if isinstance(v, list):
        return ["seq", [py2node(x) for x in v], {}]
    if v is None:
        return scalar("~")
    if isinstance(v, bool):
        return scalar("true" if v else "false")
    return scalar(str(v))


PLAIN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .()'-]*$")


def emit_scalar(text, props):
    style = props.get("style")
    if style == "plain" or (style is None and PLAIN_RE.match(text) and
                            not text.endswith(" ") and text.lower() not in
                            ("y", "n", "yes", "no", "on", "off", "true", "false", "null")):
        return text
    if style == "'" and all(0x20 <= ord(c) and ord(c) != 0x7f for c in text):
        return "'" + text.replace("'", "''") + "'"
    out = ['"']
    for c in text:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7f or 0x80 <= o < 0xa0 or o in (0x2028, 0x2029, 0xfeff):
            out.append("\\x%02x" % o if o < 0x100 else "\\u%04x" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def emit(node, flow_ratio=0.15, rnd=random):
    """Block style mostly, flow style for some collections."""
    lines = []

    def head(props):
        parts = []
        if props.get("tag"):
            parts.append(props["tag"])
        if props.get("anchor"):
            parts.append("&" + props["anchor"])
        return " ".join(parts)

    def flow(n):
        kind, val, props = n
        h = head(props)
        h = h + " " if h else ""
        if kind == "alias":
            return "*" + val
        if kind == "scalar":
            return h + emit_scalar(val, props if props.get("style") != "plain" else {})
        if kind == "seq":
            return h + "[" + ", ".join(flow(x) for x in val) + "]"
        return h + "{" + ", ".join(key_text(k) + ": " + flow(v) for k, v in val) + "}"

    def key_text(k):
        if k[0] == "scalar" and not k[2].get("tag") and not k[2].get("anchor"):
            return emit_scalar(k[1], k[2] if k[1] != "<<" else {"style": "plain"})
        if k[0] == "alias":
            return "*" + k[1] + " "
        return "? " + flow(k) + "\n"  # complex key: fine for libyaml in flow

    def simple(n):
        return n[0] in ("scalar", "alias") or not n[1] or rnd.random() < flow_ratio

    def block(n, indent, prefix):
        kind, val, props = n
        pad = " " * indent
        h = head(props)
        if simple(n):
            lines.append(pad + prefix + flow(n))
            return
        if h:
            lines.append(pad + prefix + h)
            prefix_done = True
        else:
            prefix_done = False
        if kind == "seq":
            for i, x in enumerate(val):
                if i == 0 and prefix and not prefix_done:
                    sub_indent, sub_prefix = indent, prefix + "- "
                else:
                    sub_indent, sub_prefix = indent + (len(prefix) if not prefix_done else 2), "- "
                block(x, sub_indent, sub_prefix)
        else:
            for i, (k, v) in enumerate(val):
                if k[0] != "scalar" or k[2].get("tag") or k[2].get("anchor"):
                    kt = "? " + flow(k) + "\n" + " " * (indent + len(prefix)) + ":"
                else:
                    kt = key_text(k) + ":"
                if i == 0 and prefix and not prefix_done:
                    my_pad, my_prefix = indent, prefix
                else:
                    my_pad, my_prefix = indent + (len(prefix) if not prefix_done else 2), ""
                if simple(v):
                    lines.append(" " * my_pad + my_prefix + kt + " " + flow(v))
                else:
                    lines.append(" " * my_pad + my_prefix + kt + (" " + head(v[2]) if head(v[2]) else ""))
                    vv = [v[0], v[1], dict(v[2], tag=None, anchor=None)]
                    block(vv, my_pad + len(my_prefix) + 2, "")
    block(node, 0, "")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Hostile values
# ---------------------------------------------------------------------------

VICTIM = "fz.victim"
INJ = "; DROP TABLE fz.victim; CREATE TABLE fz.pwned (a int); --"

HOSTILE = [
    "", " ", "'", '"', "''", "\\", "\\\\", "\\'", ")", "))", ");", "(", "-- x",
    "/*", "*/", "$$", "$a$", "$$;DROP TABLE fz.victim;$$", ";", INJ, ")" + INJ,
    "'" + INJ, "\\'" + INJ, "x\n) " + INJ, "E'\\\\'", "U&'\\0027'",
    "\t", "\x01", "\x1b[2J", "\x7f", "\r\n", "\u2028", "\ufeff", "\x00",
    "a" * 63, "a" * 64, "b" * 100, "c" * 1000, "d" * 2800, "e" * 9000,
    "é" * 31 + "x", "é" * 32, "é" * 33, "İ" * 40, "ß" * 40, "\U0001F600" * 16, "\u202e" + "evil",
    "e\u0301", "\u200b", "Ünïcödé", "日本語の名前",
    "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid", "ID", "Id",
    "select", "user", "table", "check", "default", "null", "NULL", "~",
    "true", "yes", "no", "on", "off", "0", "-1", "2147483648", "1e309", ".nan",
    "99999999999999999999", "2", "1.5",
    "pg_catalog", "dbt_contract", "public", "information_schema", "pg_toast", "fz",
    "victim", "contract_model", "pg_class",
]

TYPES = [
    "int", "integer", "bigint", "text", "numeric(12,2)", "numeric(1000,2000)", "varchar(-1)",
    "varchar(10485761)", "int[]", "int[][]", "pg_catalog.int4", "regclass", 'text collate "C"',
    "serial", "bigserial", "int4 primary key", "character varying(10) array",
    "timestamp(7) with time zone", "bit varying", '"char"', "double precision",
    "interval year to month", "nonexistent_type", "setof int", "int); DROP TABLE fz.victim; --",
    "int default 1", "int generated always as (1) stored", "fz.victim", "fz_dom", "fz.mood",
    "jsonb", "uuid", "boolean", "date", "time with time zone", "money", "int4range", "tsvector",
    "public.fz_missing", "pg_catalog.text[]", "bpchar", "char(0)", "numeric(3,-1)", "float(54)",
    "int -- comment", "text /* c */", "int4\n; drop table fz.victim",
    "decimal", "string", "timestamp", "varchar", "character varying(300)",
]

EXPRESSIONS = [
    "id > 0", "x >= 0", "amount >= 0", "id IS NOT NULL", "(id > 0)", "id > 0)", "id > 0) " + INJ,
    "id > 0 " + INJ, "(select 1) = 1", "id IN (SELECT 1)", "pg_sleep(100) IS NULL",
    "random() > 2", "now() > '2000-01-01'", "count(*) > 0", "row_number() over () > 0",
    "id = ANY(ARRAY[1,2])", "id::text ~ '\\d'", "b <> 'x\\' AND b <> ') " + INJ + "'",
    "E'\\x27' = ''", "U&'\\0027' = ''", "$$;DROP TABLE fz.victim;$$ = ''", "'x' COLLATE \"C\" = 'x'",
    "ctid = '(0,1)'", "fz.evil(id)", "fz.evil(id) OR true", "id", "1", "", "--", "/* */ id > 0",
    "id > 0 -- tail", "id > 0 /* unterminated", "'unterminated", "\"unterminated",
    "*", "t.*", "a AS b", "id > 0, id < 10", "id > 0 ORDER BY 1", "id > 0 LIMIT 1",
    "id > 0 FROM fz.victim", "DEFAULT", "NOT NULL", "PRIMARY KEY", "CHECK (id > 0)",
    "(id)", "id, name", "fz.victim (id)", "fz.victim (id)); " + INJ, "fz.victim(id) ON DELETE CASCADE",
    "\"Id\" > 0", "\"" + "q" * 70 + "\" > 0", "xmin::text::int > 0", "tableoid > 0",
    "default 1", "unique", "check (id > 0)", "EXCLUDE USING gist (id WITH =)",
    "id > 0 NOT VALID", "id > 0 NO INHERIT", "DEFERRABLE", "primary key (id)",
    "fz.victim; DROP TABLE fz.victim", "(1", "((((((((((((((((((((id))))))))))))))))))))",
    "(" * 1000 + "1" + ")" * 1000, " AND ".join(["id > %d" % i for i in range(300)]),
]

TOS = [
    "ref('x')", 'ref("x")', "ref('x', v=2)", "ref('x', version=1)", "ref('x', v='2')",
    "source('a','b')", "source('a', 'b); DROP TABLE fz.victim; --')", "fz.victim", '"fz"."victim"',
    "fz.victim (id)); DROP TABLE fz.victim; --", "ref('x\n) " + INJ + "')", "ref('pkg', 'x')",
    "ref()", "ref(", "{{ ref('x') }}", "fz.victim; DROP TABLE fz.victim", "a.b.c.d",
    "pg_catalog.pg_class", "ref('orders')", "ref('customers')", "ref('dim_customers', v=1)",
    "ref('" + "m" * 70 + "')", "ref(''')", "ref('x') " + INJ, "source('a')", "source()",
    "ref('x'); DROP TABLE fz.victim", "\"fz\".\"victim\" (id)", "fz.\"vic\"\"tim\"",
    "ref('stg_orders')", "ref('x', v=99999999999)", "ref(\"x\", v=-1)", "ref('é')",
]

CONSTRAINT_TYPES = ["not_null", "unique", "primary_key", "foreign_key", "check", "custom",
                    "NOT_NULL", "Primary_Key", "exclude", "default", "", "foreign_key); --"]

KEYS = ["name", "version", "models", "columns", "constraints", "type", "expression", "to",
        "to_columns", "data_type", "config", "contract", "enforced", "alias", "schema",
        "materialized", "description", "quote", "versions", "v", "latest_version",
        "tests", "data_tests", "columns", "include", "exclude", "defined_in", "meta",
        "tags", "access", "group", "arguments", "warn_unenforced", "warn_unsupported",
        "<<", "sources", "seeds", "database", "identifier", "field", "column_name",
        "values", "severity", "where", "relationships", "accepted_values", "unique",
        "not_null", "dbt_utils.unique_combination_of_columns", "combination_of_columns"]

MODEL_NAMES = ["orders", "customers", "x", "stg_orders", "dim_customers", "m1", "M1", "fz_m"]


def hostile_scalar(r):
    pick = r.random()
    if pick < 0.45:
        return r.choice(HOSTILE)
    if pick < 0.6:
        return r.choice(TYPES)
    if pick < 0.75:
        return r.choice(EXPRESSIONS)
    if pick < 0.85:
        return r.choice(TOS)
    if pick < 0.9:
        return r.choice(HOSTILE) + r.choice(HOSTILE)
    return "".join(r.choice(["a", "_", "'", '"', ")", "(", ";", "-", "\\", "$", " ", "é", "1", "\n", "."])
                   for _ in range(r.randint(1, 40)))


def random_constraint(r):
    c = {"type": r.choice(CONSTRAINT_TYPES[:6]) if r.random() < 0.8 else r.choice(CONSTRAINT_TYPES)}
    if r.random() < 0.6:
        c["expression"] = r.choice(EXPRESSIONS)
    if c["type"] == "foreign_key" or r.random() < 0.2:
        c["to"] = r.choice(TOS)
        c["to_columns"] = [r.choice(["id", "customer_id", hostile_scalar(r)])]
    if r.random() < 0.3:
        c["name"] = hostile_scalar(r)
    if r.random() < 0.3:
        c["columns"] = [r.choice(["id", "amount", hostile_scalar(r)]) for _ in range(r.randint(0, 3))]
    if r.random() < 0.1:
        c["warn_unenforced"] = r.choice([True, False, "maybe"])
    return c


def random_column(r):
    col = {"name": r.choice(["id", "amount", "customer_id", "b", "x", hostile_scalar(r)])}
    if r.random() < 0.85:
        col["data_type"] = r.choice(TYPES)
    if r.random() < 0.6:
        col["constraints"] = [random_constraint(r) for _ in range(r.randint(0, 3))]
    if r.random() < 0.2:
        col["quote"] = r.choice([True, False, "yes"])
    if r.random() < 0.2:
        col["description"] = hostile_scalar(r)
    if r.random() < 0.2:
        col["data_tests"] = r.choice([["unique", "not_null"],
                                      [{"relationships": {"to": r.choice(TOS), "field": "id"}}],
                                      [{"accepted_values": {"values": [hostile_scalar(r)]}}]])
    return col


def random_model(r):
    m = {"name": r.choice(MODEL_NAMES) if r.random() < 0.6 else hostile_scalar(r),
         "config": {"contract": {"enforced": r.random() < 0.85}}}
    if r.random() < 0.3:
        m["config"]["alias"] = r.choice(["victim", "orders", hostile_scalar(r)])
    if r.random() < 0.3:
        m["config"]["schema"] = r.choice(["fz", "fz_s", "pg_catalog", "dbt_contract", hostile_scalar(r)])
    if r.random() < 0.3:
        m["config"]["materialized"] = r.choice(["table", "view", "incremental", "ephemeral",
                                                "materialized_view", hostile_scalar(r)])
    m["columns"] = [random_column(r) for _ in range(r.randint(0, 5))]
    if r.random() < 0.4:
        m["constraints"] = [random_constraint(r) for _ in range(r.randint(1, 3))]
    if r.random() < 0.2:
        m["versions"] = [{"v": r.choice([1, 2, "x", -1, 2147483648])} for _ in range(r.randint(1, 3))]
        if r.random() < 0.5:
            m["latest_version"] = r.choice([1, 2, 7, "x"])
    return m


# ---------------------------------------------------------------------------
# Mutations of the tree
# ---------------------------------------------------------------------------

def walk(node, path=()):
    """(parent, index, node) for every node; parent None for the root."""
    out = [(None, None, node)]
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "seq":
            for i, x in enumerate(n[1]):
                out.append((n, i, x))
                stack.append(x)
        elif n[0] == "map":
            for i, (k, v) in enumerate(n[1]):
                out.append((n, ("k", i), k))
                out.append((n, ("v", i), v))
                stack.append(v)
    return out


def put(parent, idx, new):
    if parent[0] == "seq":
        parent[1][idx] = new
    else:
        side, i = idx
        k, v = parent[1][i]
        parent[1][i] = (new, v) if side == "k" else (k, new)


def mutate_tree(root, r, seeds, anchors):
    nodes = walk(root)
    parent, idx, node = r.choice(nodes)
    op = r.randrange(16)
    if op == 0 or (op < 3 and node[0] == "scalar"):            # hostile scalar
        if node[0] == "scalar":
            node[1] = hostile_scalar(r)
            node[2] = {k: v for k, v in node[2].items() if k != "style"}
            if r.random() < 0.3:
                node[2]["style"] = r.choice(["'", '"', "plain"])
        elif parent is not None:
            put(parent, idx, scalar(hostile_scalar(r)))
    elif op == 3:                                                # delete an item/key
        if parent is not None:
            if parent[0] == "seq":
                del parent[1][idx]
            else:
                del parent[1][idx[1]]
    elif op == 4:                                                # duplicate an item/key
        if parent is not None:
            if parent[0] == "seq":
                parent[1].insert(idx, copy.deepcopy(parent[1][idx]))
            else:
                k, v = parent[1][idx[1]]
                nv = copy.deepcopy(v) if r.random() < 0.5 else scalar(hostile_scalar(r))
                parent[1].insert(idx[1] + 1, (copy.deepcopy(k), nv))
    elif op == 5:                                                # swap type
        if parent is not None:
            if node[0] == "scalar":
                new = r.choice([["seq", [node], {}], ["map", [(scalar("k"), node)], {}],
                                ["map", [], {}], ["seq", [], {}], scalar("~")])
            elif node[0] == "seq":
                new = r.choice([scalar("x"), ["map", [(scalar(str(i)), x) for i, x in enumerate(node[1])], {}]])
            elif node[0] == "map":
                new = r.choice([scalar("x"), ["seq", [v for _, v in node[1]], {}],
                                ["seq", [node], {}]])
            else:
                new = scalar("x")
            put(parent, idx, new)
    elif op == 6:                                                # deep nesting
        if parent is not None:
            depth = r.choice([5, 50, 300, 1000])
            new = node
            for i in range(depth):
                new = ["seq", [new], {}] if r.random() < 0.5 else ["map", [(scalar("n"), new)], {}]
            put(parent, idx, new)
    elif op == 7:                                                # anchor + alias
        targets = [n for _, _, n in nodes if n[0] != "alias"]
        t = r.choice(targets)
        name = t[2].get("anchor") or "a%d" % len(anchors)
        t[2]["anchor"] = name
        anchors.append(name)
        cands = [(p, i, n) for p, i, n in nodes if p is not None and n is not t]
        if cands:
            p, i, _ = r.choice(cands)
            put(p, i, ["alias", name, {}])
    elif op == 8:                                                # merge key
        maps = [n for _, _, n in nodes if n[0] == "map"]
        if len(maps) >= 1:
            src = r.choice(maps)
            dst = r.choice(maps)
            name = src[2].get("anchor") or "m%d" % len(anchors)
            src[2]["anchor"] = name
            anchors.append(name)
            if dst is not src:
                dst[1].insert(r.randint(0, len(dst[1])), (scalar("<<"), ["alias", name, {}]))
    elif op == 9:                                                # tag
        node[2]["tag"] = r.choice(["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary",
                                   "!!set", "!!omap", "!!map", "!!seq", "!!python/name:os.system",
                                   "!!python/object/apply:os.system", "!custom", "!<tag:yaml.org,2002:str>",
                                   "!", "!!timestamp", "!e!x"])
    elif op == 10:                                               # crossover
        others = [s[2] for s in seeds if s[2] is not None]
        if others and parent is not None:
            o = r.choice(others)
            _, _, sub = r.choice(walk(o))
            sub = copy.deepcopy(sub)
            if sub[0] == "alias":
                sub = scalar("x")
            strip_anchors(sub)
            put(parent, idx, sub)
    elif op == 11:                                               # a generated model
        models = find_key(root, "models")
        if models is not None and models[0] == "seq":
            models[1].insert(r.randint(0, len(models[1])), py2node(random_model(r)))
        elif root[0] == "map":
            root[1].append((scalar("models"), py2node([random_model(r)])))
    elif op == 12:                                               # a generated constraint/column
        lists = [(p, i, n) for p, i, n in nodes if p is not None and p[0] == "map"
                 and isinstance(i, tuple) and i[0] == "v" and p[1][i[1]][0][0] == "scalar"
                 and p[1][i[1]][0][1] in ("constraints", "columns", "data_tests", "tests")]
        if lists:
            p, i, n = r.choice(lists)
            key = p[1][i[1]][0][1]
            item = py2node(random_column(r) if key == "columns" else random_constraint(r))
            if n[0] == "seq":
                n[1].insert(r.randint(0, len(n[1])), item)
            else:
                put(p, i, ["seq", [item], {}])
    elif op == 13:                                               # rename a key
        if parent is not None and parent[0] == "map" and isinstance(idx, tuple):
            k, v = parent[1][idx[1]]
            parent[1][idx[1]] = (scalar(r.choice(KEYS)), v)
    elif op == 14:                                               # a known key with a hostile value
        maps = [n for _, _, n in nodes if n[0] == "map"]
        if maps:
            m = r.choice(maps)
            key = r.choice(KEYS)
            val = r.choice([scalar(hostile_scalar(r)), py2node(random_constraint(r)),
                            py2node([random_constraint(r)]), py2node(random_column(r)),
                            py2node({"contract": {"enforced": True}}), scalar("~")])
            m[1].insert(r.randint(0, len(m[1])), (scalar(key), val))
    else:                                                        # style change
        if node[0] == "scalar":
            node[2]["style"] = r.choice(["'", '"', "plain", None])
    return root


def strip_anchors(n):
    for _, _, x in walk(n):
        x[2].pop("anchor", None)


def find_key(node, key):
    for _, _, n in walk(node):
        if n[0] == "map":
            for k, v in n[1]:
                if k[0] == "scalar" and k[1] == key:
                    return v
    return None


def fix_aliases(root):
    """An alias to an anchor that a mutation removed becomes a scalar, and
    one that comes before its anchor in document order is a forward
    reference libyaml refuses: keep some of those, drop most."""
    defined = set()
    out_of_order = []

    def visit(n):
        if n[2].get("anchor"):
            defined.add(n[2]["anchor"])
        if n[0] == "alias":
            if n[1] not in defined:
                out_of_order.append(n)
            return
        if n[0] == "seq":
            for x in n[1]:
                visit(x)
        elif n[0] == "map":
            for k, v in n[1]:
                visit(k)
                visit(v)
    visit(root)
    for n in out_of_order:
        if random.random() < 0.9:
            n[0], n[1] = "scalar", "dangling_" + n[1]


# ---------------------------------------------------------------------------
# Byte-level mutations of the text
# ---------------------------------------------------------------------------

TOKENS = ["'", '"', ")", ";", "--", "$$", "\\", "\t", ": ", "- ", "&a ", "*a", "<<: *a", "!!str ",
          "{", "}", "[", "]", "#", "|", ">", "%YAML 1.1\n", "---\n", "...\n", "? ", "\ufeff",
          INJ, "é", "\r", "\x0b", "\x01"]


def mutate_bytes(text, r):
    s = text
    for _ in range(r.randint(1, 4)):
        op = r.randrange(8)
        if not s:
            s = r.choice(TOKENS)
            continue
        pos = r.randrange(len(s) + 1)
        if op == 0:
            s = s[:pos] + r.choice(TOKENS) + s[pos:]
        elif op == 1:
            s = s[:pos] + s[pos + r.randint(1, 20):]
        elif op == 2:
            lines = s.split("\n")
            i = r.randrange(len(lines))
            lines.insert(i, lines[r.randrange(len(lines))])
            s = "\n".join(lines)
        elif op == 3:
            lines = s.split("\n")
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            s = "\n".join(lines)
        elif op == 4:
            lines = s.split("\n")
            i = r.randrange(len(lines))
            lines[i] = " " * r.choice([1, 2, 3, 8]) + lines[i] if r.random() < 0.5 else lines[i].lstrip()
            s = "\n".join(lines)
        elif op == 5:
            s = s[:pos]
        elif op == 6:
            s = s[:pos] + chr(r.choice([1, 8, 11, 12, 27, 127, 0x85, 0xa0, 0x2028, 0xfffe, 0x10ffff])) + s[pos:]
        else:
            s = s[:pos] + hostile_scalar(r) + s[pos:]
    return s.replace("\x00", "")


def make_case(r, seeds):
    name, text, node = r.choice(seeds)
    if node is not None and r.random() < 0.92:
        tree = copy.deepcopy(node)
        anchors = []
        for _ in range(r.choice([1, 1, 1, 1, 2, 2, 3, 5])):
            tree = mutate_tree(tree, r, seeds, anchors)
        fix_aliases(tree)
        out = emit(tree, rnd=r)
        if r.random() < 0.05:
            out = mutate_bytes(out, r)
        return name, out
    return name, mutate_bytes(text, r)


# ---------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------

class Finding(Exception):
    def __init__(self, kind, detail, stage, stmt=None):
        super().__init__("%s at %s: %s" % (kind, stage, detail))
        self.kind, self.detail, self.stage, self.stmt = kind, detail, stage, stmt


BAD_CLASSES = ("XX", "58")
MAX_MESSAGE = 4000

CATALOG_SNAPSHOT = """
SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM (
    SELECT 'models ' || to_jsonb(v)::text AS r FROM dbt_contract.models v
    UNION ALL SELECT 'columns ' || to_jsonb(v)::text FROM dbt_contract.columns v
    UNION ALL SELECT 'constraints ' || to_jsonb(v)::text FROM dbt_contract.constraints v
    UNION ALL SELECT 'tests ' || to_jsonb(v)::text FROM dbt_contract.tests v
    UNION ALL SELECT 'cm ' || to_jsonb(v)::text FROM dbt_contract.contract_model v
    UNION ALL SELECT 'cc ' || to_jsonb(v)::text FROM dbt_contract.contract_column v
    UNION ALL SELECT 'ck ' || to_jsonb(v)::text FROM dbt_contract.contract_constraint v
    UNION ALL SELECT 'ct ' || to_jsonb(v)::text FROM dbt_contract.contract_test v
    UNION ALL SELECT 'cs ' || to_jsonb(v)::text FROM dbt_contract.contract_source v
    UNION ALL SELECT 'h ' || to_jsonb(v)::text FROM dbt_contract.apply_history v
) s"""

# Objects outside the table a DDL statement creates: nothing here may change.
WORLD_SNAPSHOT = """
SELECT md5(concat_ws(E'\\n',
    (SELECT string_agg(oid::text || ' ' || nspname, ',' ORDER BY oid) FROM pg_namespace),
    (SELECT string_agg(oid::text || ' ' || proname || ' ' || proowner::text || prosecdef::text, ',' ORDER BY oid) FROM pg_proc),
    (SELECT string_agg(oid::text || ' ' || rolname || rolsuper::text || rolcreaterole::text || rolbypassrls::text, ',' ORDER BY oid) FROM pg_authid),
    (SELECT string_agg(oid::text || ' ' || evtname || evtenabled::text, ',' ORDER BY oid) FROM pg_event_trigger),
    (SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_rewrite),
    (SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_policy),
    (SELECT string_agg(oid::text || ' ' || datname, ',' ORDER BY oid) FROM pg_database),
    (SELECT string_agg(oid::text || ' ' || extname || extversion, ',' ORDER BY oid) FROM pg_extension),
    (SELECT string_agg(oid::text || ' ' || relname || relkind::text || relnamespace::text, ',' ORDER BY oid)
       FROM pg_class WHERE oid <= %(maxoid)s),
    (SELECT count(*)::text FROM fz.victim),
    current_setting('search_path'), current_setting('session_replication_role'),
    current_setting('dbt_contract.enforcement'), current_setting('role'),
    current_setting('session_authorization')))"""

NEW_CLASS_ROWS = """
SELECT c.oid::regclass::text, c.relkind,
       c.oid = t.oid
       OR c.oid = t.reltoastrelid
       OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (t.oid, t.reltoastrelid))
       OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                     AND d.objid = c.oid AND d.refobjid = t.oid) AS belongs
  FROM pg_class c
  LEFT JOIN pg_class t ON t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
                      AND t.relname = %(rel)s
 WHERE c.oid > %(maxoid)s"""


def errinfo(e):
    d = getattr(e, "diag", None)
    st = getattr(e, "sqlstate", None) or (d.sqlstate if d else None)
    msg = (d.message_primary if d else None) or str(e)
    det = (d.message_detail if d else None) or ""
    return st, msg, det


class Runner:
    def __init__(self, args):
        self.args = args
        self.log_path = args.log
        self.log_pos = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.stats = {"cases": 0, "applied": 0, "apply_failed": 0, "ddl": 0, "ddl_ok": 0,
                      "ddl_executed": 0, "ddl_exec_failed": 0, "repair_statements": 0,
                      "repairs": 0, "findings": 0, "crashes": 0, "invalid_statements": 0,
                      "timeouts": 0, "resets": 0}
        self.errors = {}
        self.sources = {}          # (source, target) -> (yaml, target_schema) of its last good apply
        self.connect()

    # -- connection -------------------------------------------------------
    def connect(self):
        for i in range(60):
            try:
                self.conn = psycopg.connect(autocommit=True)
                break
            except psycopg.OperationalError:
                time.sleep(1)
        else:
            raise SystemExit("cannot connect to the server")
        self.conn.execute("SET statement_timeout = '%ds'" % self.args.statement_timeout)
        self.conn.execute("SET client_min_messages = error")
        self.conn.execute("SET escape_string_warning = off")

    def q(self, sql, params=None):
        return self.conn.execute(sql, params).fetchall()

    def q1(self, sql, params=None):
        return self.conn.execute(sql, params).fetchone()[0]

    def server_log_news(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_pos)
                data = f.read()
                self.log_pos = f.tell()
        except OSError:
            return []
        bad = []
        for line in data.decode("utf-8", "replace").splitlines():
            if re.search(r"terminated by signal|TRAP:|PANIC:|leaked|reference leak|"
                         r"problem in alloc set|was terminated by exception", line):
                bad.append(line[:500])
        return bad

    # -- the steps ------------------------------------------------------
    def call(self, stage, sql, params=None, want_rows=True):
        """Run sql; return (rows, None) or (None, (sqlstate, msg)); ordinary
        errors are returned, extraordinary ones raise Finding.  In a
        transaction, an error undoes only this call."""
        intrans = self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        try:
            if intrans:
                self.conn.execute("SAVEPOINT fz_call")
            try:
                cur = self.conn.execute(sql, params)
                rows = cur.fetchall() if want_rows and cur.description else []
            except psycopg.Error:
                if intrans and not self.conn.broken:
                    self.conn.execute("ROLLBACK TO SAVEPOINT fz_call")
                raise
            if intrans:
                self.conn.execute("RELEASE SAVEPOINT fz_call")
            return rows, None
        except psycopg.OperationalError as e:
            if self.conn.closed or self.conn.broken:
                raise Finding("connection lost", str(e)[:300], stage, sql)
            st, msg, det = errinfo(e)
            return None, self.classify(stage, st, msg, det, sql)
        except psycopg.Error as e:
            st, msg, det = errinfo(e)
            return None, self.classify(stage, st, msg, det, sql)

    def classify(self, stage, st, msg, det, sql):
        if st == "57014":
            self.stats["timeouts"] += 1
            raise Finding("statement timeout", msg, stage, sql)
        if st and st[:2] in BAD_CLASSES:
            if "generated a statement it will not return or run" in msg:
                self.stats["invalid_statements"] += 1
                raise Finding("invalid statement generated", "%s: %s" % (msg, det[:300]), stage, sql)
            raise Finding("internal error %s" % st, "%s %s" % (msg[:300], det[:300]), stage, sql)
        if len(msg) + len(det) > MAX_MESSAGE:
            raise Finding("unbounded error message", "%d bytes: %s" % (len(msg) + len(det), msg[:200]), stage, sql)
        if stage.startswith(("view ", "omni", "verify")):
            raise Finding("%s fails" % stage.split(" after")[0], "%s %s: %s %s" % (stage, st, msg[:300], det[:300]),
                          stage, sql)
        key = "%s %s" % (stage, st)
        self.errors[key] = self.errors.get(key, 0) + 1
        return (st, msg)

    def reset(self):
        self.stats["resets"] += 1
        self.conn.execute("TRUNCATE dbt_contract.contract_source, dbt_contract.contract_model, "
                          "dbt_contract.contract_column, dbt_contract.contract_constraint, "
                          "dbt_contract.contract_test, dbt_contract.apply_history CASCADE")
        self.sources = {}

    def parsed_name(self, schema, rel):
        """schema.rel as the parser reads it back (names truncated to 63 bytes)."""
        return self.q1("SELECT relation FROM dbt_contract.parse_statements("
                       "'CREATE TABLE ' || quote_ident(%s) || '.' || quote_ident(%s) || ' ()')", (schema, rel))

    def models(self):
        return self.q("SELECT model, version, relation_schema, relation_name, enforced, target "
                      "FROM dbt_contract.models ORDER BY target COLLATE \"C\", model COLLATE \"C\", version")

    def ddl_map(self):
        out = {}
        for model, version, _, _, _, target in self.models():
            rows, err = self.call("ddl", "SELECT dbt_contract_ddl(%s, %s, %s)", (model, version, target))
            out[(model, version, target)] = rows[0][0] if rows else "ERROR %s" % (err[0],)
        return out

    def run_case(self, yaml_text, source, target, allow_breaking, scs, savepoint, type_match):
        """One case.  Raises Finding; findings that need not stop the case
        are left in self.soft."""
        self.soft = []
        self.conn.execute("SET standard_conforming_strings = %s" % ("on" if scs else "off"))
        self.conn.execute("SET dbt_contract.type_match = %s" % type_match)
        before = self.q1(CATALOG_SNAPSHOT)
        before_ddl = self.ddl_map() if savepoint else None

        self.call("diff", "SELECT * FROM dbt_contract_diff_yaml(%s, %s, %s)",
                  (yaml_text, source, target))
        if savepoint:
            self.conn.execute("BEGIN")
            self.conn.execute("SAVEPOINT fz")
        rows, err = self.call("apply", "SELECT * FROM dbt_contract_apply_yaml(%s, %s, %s, %s)",
                              (yaml_text, source, target, allow_breaking))
        if savepoint:
            if err:
                self.conn.execute("ROLLBACK TO SAVEPOINT fz")
        if err:
            self.stats["apply_failed"] += 1
            after = self.q1(CATALOG_SNAPSHOT)
            if after != before:
                raise Finding("catalog changed by a failed apply", "%s: %s" % err, "apply")
            if savepoint:
                after_ddl = self.ddl_map()
                self.conn.execute("COMMIT")
                if after_ddl != before_ddl:
                    diff = [k for k in after_ddl if after_ddl.get(k) != before_ddl.get(k)]
                    raise Finding("contracts changed by a failed apply (same transaction)",
                                  "ddl of %r differs" % (diff[:3],), "apply")
            return
        if savepoint:
            self.conn.execute("COMMIT")
        self.stats["applied"] += 1
        self.sources[(source, target)] = (yaml_text, target)

        for what, query in (
                ("relation name", "SELECT m.model, m.relation_schema, m.relation_name FROM dbt_contract.contract_model m "
                 "WHERE octet_length(m.relation_schema) > 63 OR octet_length(m.relation_name) > 63 LIMIT 3"),
                ("column name", "SELECT m.model, c.attname FROM dbt_contract.contract_model m "
                 "JOIN dbt_contract.contract_column c USING (model_id) WHERE octet_length(c.attname) > 63 LIMIT 3")):
            long = self.q(query)
            if long:
                self.soft.append(Finding("%s over 63 bytes loaded" % what,
                                         "%r" % ([tuple(x[:60] if x else x for x in row) for row in long],),
                                         "apply"))
        self.views()
        for model, version, schema, rel, enforced, target in self.models()[:self.args.max_models]:
            self.ddl_step(model, version, schema, rel, target)
            if enforced:
                self.repair_step(model, version, schema, rel, target)

    def views(self):
        for v in ("models", "columns", "constraints", "tests", "history", "keys", "key_candidates",
                  "relationships", "relationship_sources", "ref_targets", "column_names",
                  "violations", "enforcement_status"):
            self.call("view " + v, "SELECT md5(coalesce(string_agg(to_jsonb(v)::text, ','), '')) "
                      "FROM dbt_contract.%s v" % v)
        for (target,) in self.q("SELECT DISTINCT target FROM dbt_contract.models"):
            self.call("omni", "SELECT dbt_contract_omni_relationships(%s)", (target,))
            self.call("verify", "SELECT * FROM dbt_contract_verify(%s)", (target,))

    def ddl_step(self, model, version, schema, rel, target):
        self.stats["ddl"] += 1
        rows, err = self.call("ddl", "SELECT dbt_contract_ddl(%s, %s, %s)", (model, version, target))
        if err:
            return
        ddl = rows[0][0]
        self.stats["ddl_ok"] += 1
        expected = self.parsed_name(schema, rel)
        parsed, perr = self.call("parse ddl", "SELECT kind, relation, elements "
                                 "FROM dbt_contract.parse_statements(%s)", (ddl,))
        if perr or len(parsed) != 1 or parsed[0][0] != "CREATE TABLE" or parsed[0][1] != expected:
            self.stats["invalid_statements"] += 1
            raise Finding("ddl is not exactly one CREATE TABLE of its relation",
                          "%s parsed as %r (%r)" % (expected, parsed, perr), "ddl",
                          "SELECT dbt_contract_ddl(%s, %s, %s)" % (lit(model), "NULL" if version is None else version,
                                                                   lit(target)))
        # Run it on an empty schema, in a transaction rolled back.
        self.conn.execute("BEGIN")
        try:
            ok = self.call("ddl schema", "CREATE SCHEMA IF NOT EXISTS %s" % quote_ident(schema))[1] is None
            if not ok:
                return
            self.conn.execute("SAVEPOINT before_ddl")
            maxoid = self.q1("SELECT max(oid)::bigint FROM pg_class")
            world = self.q1(WORLD_SNAPSHOT, {"maxoid": maxoid})
            res = self.conn.pgconn.exec_(ddl.encode())
            status = res.status
            self.stats["ddl_executed"] += 1
            if status == psycopg.pq.ExecStatus.FATAL_ERROR:
                st = (res.error_field(psycopg.pq.DiagnosticField.SQLSTATE) or b"").decode()
                msg = (res.error_field(psycopg.pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
                self.stats["ddl_exec_failed"] += 1
                if self.conn.pgconn.status != psycopg.pq.ConnStatus.OK:
                    raise Finding("connection lost", msg, "ddl run")
                self.classify("ddl run", st, msg, "", ddl)
                self.conn.execute("ROLLBACK TO SAVEPOINT before_ddl")
                # whatever ran before the error is undone with it; nothing else to see
                return
            news = self.q(NEW_CLASS_ROWS, {"schema": schema, "rel": rel, "maxoid": maxoid})
            foreign = [n for n in news if not n[2]]
            if foreign or not any(n[2] for n in news):
                self.stats["invalid_statements"] += 1
                raise Finding("ddl created objects other than its table", repr(news[:5]), "ddl run", ddl)
            world2 = self.q1(WORLD_SNAPSHOT, {"maxoid": maxoid})
            if world2 != world:
                self.stats["invalid_statements"] += 1
                raise Finding("ddl changed objects other than its table", "world snapshot differs",
                              "ddl run", ddl)
            # the table made from the contract's own DDL meets the contract
            chk, cerr = self.call("check own ddl", "SELECT problem, object FROM dbt_contract_check(%s::regclass)",
                                  (expected,))
            if chk:
                self.note("own ddl does not meet its contract", "%s: %r" % (expected, chk[:3]))
        finally:
            self.rollback()

    def repair_step(self, model, version, schema, rel, target):
        cols = self.q("SELECT cc.attname, format_type(cc.type_oid, cc.typmod) "
                      "FROM dbt_contract.contract_column cc JOIN dbt_contract.contract_model m USING (model_id) "
                      "WHERE m.model = %s AND m.version IS NOT DISTINCT FROM %s AND m.target = %s "
                      "ORDER BY cc.ordinal", (model, version, target))
        if not cols or any(c[1] is None for c in cols) or len(set(c[0] for c in cols)) != len(cols):
            return
        expected = self.parsed_name(schema, rel)
        coldefs = ["%s %s" % (quote_ident(a), t) for a, t in cols]
        self.conn.execute("BEGIN")
        try:
            if self.call("repair setup", "CREATE SCHEMA IF NOT EXISTS %s" % quote_ident(schema))[1]:
                return
            self.conn.execute("SET LOCAL dbt_contract.enforcement = off")
            if self.call("repair setup", "CREATE TABLE %s (%s)" % (expected, ", ".join(coldefs)))[1]:
                return
            if random.random() < 0.3:
                self.call("repair setup", "INSERT INTO %s DEFAULT VALUES" % expected)
            self.conn.execute("SET LOCAL dbt_contract.enforcement = error")
            self.conn.execute("SAVEPOINT before_repair")
            maxoid = self.q1("SELECT max(oid)::bigint FROM pg_class")
            world = self.q1(WORLD_SNAPSHOT, {"maxoid": maxoid})
            rows, err = self.call("repair", "SELECT relation, object, statement FROM dbt_contract_repair(%s::regclass)",
                                  (expected,))
            self.stats["repairs"] += 1
            if err:
                self.conn.execute("ROLLBACK TO SAVEPOINT before_repair")
                return
            self.conn.execute("SET LOCAL standard_conforming_strings = on")
            for relation, obj, stmt in rows:
                self.stats["repair_statements"] += 1
                parsed, perr = self.call("parse repair", "SELECT kind, relation, elements "
                                         "FROM dbt_contract.parse_statements(%s)", (stmt,))
                if perr or len(parsed) != 1 or parsed[0][0] != "ALTER TABLE" or \
                        parsed[0][1] != expected or parsed[0][2] != 1:
                    self.stats["invalid_statements"] += 1
                    raise Finding("repair statement is not exactly one ALTER TABLE of its relation",
                                  "%s: %r parsed as %r (%r)" % (expected, stmt[:300], parsed, perr), "repair")
            news = self.q(NEW_CLASS_ROWS, {"schema": schema, "rel": rel, "maxoid": maxoid})
            if any(not n[2] for n in news):
                self.stats["invalid_statements"] += 1
                raise Finding("repair created objects other than its table's", repr(news[:5]), "repair")
            if self.q1(WORLD_SNAPSHOT, {"maxoid": maxoid}) != world:
                self.stats["invalid_statements"] += 1
                raise Finding("repair changed objects other than its table", "world snapshot differs", "repair")
            self.call("check after repair", "SELECT * FROM dbt_contract_check(%s::regclass)", (expected,))
            self.call("verify after repair", "SELECT * FROM dbt_contract_verify()")
        finally:
            self.rollback()

    def rollback(self):
        try:
            if not self.conn.closed and not self.conn.broken:
                self.conn.execute("ROLLBACK")
        except psycopg.Error:
            pass

    def note(self, kind, detail):
        self.notes = getattr(self, "notes", {})
        self.notes[kind] = self.notes.get(kind, 0) + 1
        if self.notes[kind] <= 3:
            print("note: %s: %s" % (kind, detail[:300]), flush=True)


def quote_ident(s):
    return '"' + s.replace('"', '""') + '"'


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def dollar(text):
    i = 0
    while "$fz%d$" % i in text:
        i += 1
    return "$fz%d$" % i


# ---------------------------------------------------------------------------
# Findings: reproduce, minimize, write
# ---------------------------------------------------------------------------

def signature(f):
    if f.detail.startswith("["):
        return hashlib.sha1(("%s|%s" % (f.kind, f.stage)).encode()).hexdigest()[:12]
    msg = re.sub(r"\d+", "N", f.detail)
    msg = re.sub(r'"[^"]*"|\'[^\']*\'', '…', msg)[:60]
    return hashlib.sha1(("%s|%s|%s" % (f.kind, f.stage, msg)).encode()).hexdigest()[:12]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--findings", default=os.path.join(REPO, "test/fuzz/findings"))
    ap.add_argument("--log", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--reset-every", type=int, default=40)
    ap.add_argument("--max-models", type=int, default=12)
    ap.add_argument("--statement-timeout", type=int, default=30)
    ap.add_argument("--minimize-seconds", type=float, default=120)
    ap.add_argument("--stats", default=None, help="write final statistics as JSON here")
    args = ap.parse_args()

    # a mutation gone wild must not take the shared machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    seed = args.seed if args.seed is not None else int(time.time())
    r = random.Random(seed)
    random.seed(seed)
    seeds = load_seeds()
    runner = Runner(args)
    prepare(runner)
    print("fuzz: seed %d, %d seeds (%d as trees), %.0f s" %
          (seed, len(seeds), sum(1 for s in seeds if s[2] is not None), args.seconds), flush=True)
    os.makedirs(args.findings, exist_ok=True)
    known = set(os.path.basename(p).split("-")[0] for p in glob.glob(os.path.join(args.findings, "*.sql")))
    start = time.time()
    last_report = start
    while time.time() - start < args.seconds:
        if runner.stats["cases"] % args.reset_every == 0:
            runner.reset()
        seed_name, text = make_case(r, seeds)
        params = dict(source=r.choice(["fz_a", "fz_b", "fz_c", "fz_a", "fz d'; --", "é" * 40]),
                      target=r.choice(["fz_t", None, "fz_t", "fz_u", 'FZ "q"', "x" * 63, "fz_t", None,
                                       "fz_t", "y" * 64, "pg_catalog", "fz"]),
                      allow_breaking=r.random() < 0.3, scs=r.random() < 0.7,
                      savepoint=r.random() < 0.3,
                      type_match=r.choice(["declared", "exact", "dbt"]))
        runner.stats["cases"] += 1
        try:
            try:
                runner.run_case(text, **params)
            finally:
                bad = runner.server_log_news()
            for f in runner.soft:
                handle_finding(runner, f, text, params, seed_name, args, known)
            if bad:
                runner.stats["crashes"] += sum(1 for b in bad if "signal" in b or "TRAP" in b or "PANIC" in b)
                raise Finding("server log: " + bad[0][:80], "\n".join(bad[:5]), "server")
        except Finding as f:
            handle_finding(runner, f, text, params, seed_name, args, known)
        now = time.time()
        if now - last_report > 60:
            last_report = now
            print("fuzz: %.0f s, %d cases (%.2f/s), %s" %
                  (now - start, runner.stats["cases"], runner.stats["cases"] / (now - start),
                   json.dumps({k: v for k, v in runner.stats.items() if v})), flush=True)
    elapsed = time.time() - start
    runner.stats["seconds"] = round(elapsed)
    runner.stats["seed"] = seed
    runner.stats["errors"] = runner.errors
    runner.stats["notes"] = getattr(runner, "notes", {})
    print("fuzz: done: %.0f s, %d cases (%.2f/s)" % (elapsed, runner.stats["cases"],
                                                     runner.stats["cases"] / max(elapsed, 1)))
    print(json.dumps(runner.stats, indent=1, sort_keys=True))
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(runner.stats, f, indent=1, sort_keys=True)
    ok = runner.stats["crashes"] == 0 and runner.stats["invalid_statements"] == 0
    new = runner.stats.get("new_findings", 0)
    print("%d passed, %d failed" % (runner.stats["cases"] - runner.stats["findings"], runner.stats["findings"]))
    sys.exit(0 if ok and new == 0 else 1)


def prepare(runner):
    """The fixtures every case may aim at: a victim table that must survive,
    a function a check may call, a domain and an enum type."""
    c = runner.conn
    c.execute("CREATE EXTENSION IF NOT EXISTS dbt_contract")
    c.execute("DROP SCHEMA IF EXISTS fz CASCADE")
    c.execute("CREATE SCHEMA fz")
    c.execute("CREATE TABLE fz.victim (id int PRIMARY KEY)")
    c.execute("INSERT INTO fz.victim VALUES (1), (2)")
    c.execute("CREATE FUNCTION fz.evil(int) RETURNS boolean LANGUAGE sql AS 'SELECT true'")
    c.execute("CREATE DOMAIN fz_dom AS int CHECK (VALUE > 0)")
    c.execute("CREATE TYPE fz.mood AS ENUM ('a', 'b')")


def replay_sql(f, yaml_text, params, prior):
    """A psql script reproducing the finding on a fresh database."""
    out = ["-- %s" % f.kind, "-- stage: %s" % f.stage]
    for line in f.detail.splitlines()[:10]:
        out.append("-- " + line[:300])
    out += ["CREATE EXTENSION IF NOT EXISTS dbt_contract;",
            "CREATE SCHEMA IF NOT EXISTS fz;",
            "CREATE TABLE IF NOT EXISTS fz.victim (id int PRIMARY KEY);",
            "SET standard_conforming_strings = %s;" % ("on" if params["scs"] else "off"),
            "SET dbt_contract.type_match = %s;" % params["type_match"]]
    for src, (y, tgt) in prior:
        d = dollar(y)
        out.append("SELECT * FROM dbt_contract_apply_yaml(%s%s%s, %s, %s);" %
                   (d, y, d, lit(src), "NULL" if tgt is None else lit(tgt)))
    d = dollar(yaml_text)
    out.append("SELECT * FROM dbt_contract_apply_yaml(%s%s%s, %s, %s, %s);" %
               (d, yaml_text, d, lit(params["source"]),
                "NULL" if params["target"] is None else lit(params["target"]),
                "true" if params["allow_breaking"] else "false"))
    out.append("SELECT * FROM dbt_contract_verify();")
    out.append("SELECT model, version, dbt_contract_ddl(model, version, target) FROM dbt_contract.models;")
    if f.stmt and not f.stmt.startswith("SELECT * FROM dbt_contract_apply_yaml"):
        out.append("-- the statement that failed:")
        out.append("-- " + f.stmt.replace("\n", "\n-- ")[:2000])
    return "\n".join(out) + "\n"


def reproduces(runner, f, yaml_text, params, prior):
    """Whether the case fails the same way from a reset catalog."""
    runner.reset()
    try:
        for src, (y, tgt) in prior:
            runner.conn.execute("SELECT * FROM dbt_contract_apply_yaml(%s, %s, %s)", (y, src, tgt))
        runner.run_case(yaml_text, **params)
        runner.server_log_news()
        return any(g.kind == f.kind and g.stage == f.stage for g in runner.soft)
    except Finding as g:
        runner.server_log_news()
        return g.kind == f.kind and g.stage == f.stage
    except psycopg.Error:
        return False


def minimize(runner, f, yaml_text, params, prior, budget):
    deadline = time.time() + budget
    lines = yaml_text.split("\n")
    n = 2
    while len(lines) >= 2 and time.time() < deadline:
        chunk = max(1, len(lines) // n)
        reduced = False
        for i in range(0, len(lines), chunk):
            if time.time() >= deadline:
                break
            cand = lines[:i] + lines[i + chunk:]
            if cand and reproduces(runner, f, "\n".join(cand), params, prior):
                lines = cand
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(lines), n * 2)
    return "\n".join(lines)


def handle_finding(runner, f, yaml_text, params, seed_name, args, known):
    runner.stats["findings"] += 1
    if f.kind == "connection lost" or f.stage == "server":
        time.sleep(2)
        runner.connect()
    sig = signature(f)
    counts = runner.stats.setdefault("finding_counts", {})
    counts["%s %s" % (sig, f.kind)] = counts.get("%s %s" % (sig, f.kind), 0) + 1
    if counts["%s %s" % (sig, f.kind)] == 1:
        print("FINDING %s: %s (seed %s)" % (sig, str(f)[:300], seed_name), flush=True)
    if sig in known:
        return
    known.add(sig)
    runner.stats["new_findings"] = runner.stats.get("new_findings", 0) + 1
    prior = [(k[0], v) for k, v in runner.sources.items() if k != (params["source"], params["target"])]
    snapshot_sources = [(k[0], v) for k, v in runner.sources.items()]
    try:
        if reproduces(runner, f, yaml_text, params, []):
            prior = []
        elif not reproduces(runner, f, yaml_text, params, prior):
            prior = None
        if prior is not None:
            yaml_text = minimize(runner, f, yaml_text, params, prior, args.minimize_seconds)
    except Finding:
        prior = prior or []
    except psycopg.Error:
        pass
    if runner.conn.closed or runner.conn.broken:
        runner.connect()
    name = "%s-%s.sql" % (sig, re.sub(r"[^a-z0-9]+", "_", f.kind.lower())[:40].strip("_"))
    with open(os.path.join(args.findings, name), "w") as out:
        if prior is None:
            out.write("-- (did not reproduce from a reset catalog; the sources loaded before are included)\n")
            prior = snapshot_sources
        out.write(replay_sql(f, yaml_text, params, prior))
    print("  -> %s" % os.path.join(args.findings, name), flush=True)
    runner.reset()


if __name__ == "__main__":
    main()
