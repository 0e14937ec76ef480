"""S6: dbt_contract_generate_odcs.  The relations of test/fixtures/generate
(and a few with names no plain identifier can hold) are written as an Open
Data Contract Standard document, which must be valid against the
standard's own JSON schema (test/schemas/odcs/, vendored from
bitol-io/open-data-contract-standard at tag v3.1.0), must say what the
catalog says (names, exact types, keys), and must have every reference
resolve within the document: the JSON schema checks the shape of a
reference, not that it points anywhere."""
import copy
import json
import os

import jsonschema
import pytest
import yaml

from dbtsuite import REPO, connect, fresh_database

DB = "dbt_e2e_s6"
FIXTURES = os.path.join(REPO, "test", "fixtures", "generate")
SCHEMA_FILE = os.path.join(REPO, "test", "schemas", "odcs", "odcs-json-schema-v3.1.0.json")

EXTRA = """
CREATE TABLE gen."Order Items" (id integer PRIMARY KEY, "order-id" integer,
                                UNIQUE (id, "order-id"));
CREATE TABLE gen."a b" (id integer PRIMARY KEY, oi integer REFERENCES gen."Order Items");
CREATE TABLE gen.a_b (x integer, y integer,
                      FOREIGN KEY (x, y) REFERENCES gen."Order Items" (id, "order-id"));
CREATE TABLE gen."Ünï" ("ç" text PRIMARY KEY, "a""b" text REFERENCES gen."Ünï");
"""


@pytest.fixture(scope="module")
def conn():
    fresh_database(DB)
    c = connect(DB)
    with c.cursor() as cur:
        for f in ("types.sql", "relations.sql"):
            with open(os.path.join(FIXTURES, f)) as fh:
                cur.execute(fh.read())
        cur.execute(EXTRA)
    yield c
    c.close()


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def value(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def rows(conn, query, params=None):
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


@pytest.fixture(scope="module")
def document(conn):
    return yaml.safe_load(value(conn, "SELECT dbt_contract_generate_odcs(schema => 'gen')"))


def errors(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(doc)]


def test_valid_against_the_odcs_schema(validator, document):
    assert document["apiVersion"] == "v3.1.0"
    assert errors(validator, document) == []


def test_options_valid_too(conn, validator):
    doc = yaml.safe_load(value(
        conn, "SELECT dbt_contract_generate_odcs(ARRAY['gen.visits', 'gen.customers_v2']::regclass[], "
              "id => 'urn:x', version => '2.0.0', status => 'active')"))
    assert (doc["id"], doc["version"], doc["status"]) == ("urn:x", "2.0.0", "active")
    assert errors(validator, doc) == []


@pytest.mark.parametrize("break_it", [
    lambda d: d.pop("apiVersion"),
    lambda d: d["schema"][0]["properties"][0].update(logicalType="text"),
    lambda d: d["schema"][0]["properties"][0].update(required="yes"),
    lambda d: d["schema"][0].update(primaryKey=True),
    lambda d: next(o for o in d["schema"] if o["name"] == "visits")["properties"][0]
    ["relationships"][0].update(to="not a reference"),
    lambda d: next(o for o in d["schema"] if o["name"] == "orders")["relationships"][0]
    .update(to="schema/orders/properties/order_id"),
])
def test_the_validator_has_teeth(validator, document, break_it):
    doc = copy.deepcopy(document)
    break_it(doc)
    assert errors(validator, doc) != []


def test_says_what_the_catalog_says(conn, document):
    objects = {o["name"]: o for o in document["schema"]}
    want = {r[0] for r in rows(conn, """
        SELECT relname FROM pg_class WHERE relnamespace = 'gen'::regnamespace
           AND relkind IN ('r', 'p', 'v', 'm') AND NOT relispartition""")}
    assert set(objects) == want
    assert [o["name"] for o in document["schema"]] == sorted(want, key=lambda n: n.encode())
    # format_type as anyone reading it with search_path = pg_catalog
    value(conn, "SELECT set_config('search_path', 'pg_catalog', false)")
    try:
        for name, obj in objects.items():
            rel = f'gen."{name.replace(chr(34), chr(34) * 2)}"'
            cols = rows(conn, """
                SELECT attname, format_type(atttypid, atttypmod), attnotnull,
                       col_description(attrelid, attnum)
                  FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0
                   AND NOT attisdropped ORDER BY attnum""", (rel,))
            got = [(p["name"], p["physicalType"], p["required"], p.get("description"))
                   for p in obj["properties"]]
            assert got == cols, name
            pk = rows(conn, """
                SELECT a.attname FROM pg_constraint c,
                       unnest(c.conkey) WITH ORDINALITY k(n, pos)
                  JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attnum = k.n
                 WHERE c.conrelid = %s::regclass AND c.contype = 'p' ORDER BY k.pos""",
                      (rel, rel))
            got_pk = sorted((p for p in obj["properties"] if p.get("primaryKey")),
                            key=lambda p: p["primaryKeyPosition"])
            assert [p["name"] for p in got_pk] == [r[0] for r in pk], name
    finally:
        value(conn, "SELECT set_config('search_path', '\"$user\", public', false)")


def test_references_resolve(document):
    ids = {}
    for o in document["schema"]:
        assert o["id"] not in ids, "object ids unique"
        props = [p["id"] for p in o["properties"]]
        assert len(props) == len(set(props)), o["name"]
        ids[o["id"]] = {p["id"]: p for p in o["properties"]}

    def resolve(ref):
        section, oid, kind, pid = ref.split("/")
        assert (section, kind) == ("schema", "properties")
        return ids[oid][pid]

    seen = 0
    for o in document["schema"]:
        for p in o["properties"]:
            for r in p.get("relationships", []):
                resolve(r["to"])
                seen += 1
        for r in o.get("relationships", []):
            assert len(r["from"]) == len(r["to"])
            for ref in r["from"]:
                assert ref.startswith(f"schema/{o['id']}/")
                resolve(ref)
            for ref in r["to"]:
                resolve(ref)
            seen += 1
    # visits, "a b", "Ünï" (self), orders (self, composite), order_lines, a_b
    assert seen == 6
