"""S12: model versions that are not integers, as real dbt builds them.
A model with v: 4.5 and v: test (dbt names the relations _v4_5 and
_vtest; without latest_version the latest is test, as "4.5" < "test")
and an enforced contract, and a child with foreign keys to
ref('ver_m', v=4.5) and to ref('ver_m').  The hook stores the versions
as dbt keys them, the compiled manifest stores the same, and the
extension enforces the versions' relations."""
import json
import os

import pytest

from dbtsuite import SOURCE, Project, expect_sql_error, fresh_database

DB = "dbt_e2e_s12"

VER_YML = """
version: 2
models:
  - name: ver_m
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: not_null}, {type: unique}]}
      - {name: label, data_type: text}
    versions:
      - v: 4.5
        defined_in: ver_m_four_five
      - v: test
        defined_in: ver_m_test
  - name: ver_child
    config: {materialized: table, contract: {enforced: true}}
    constraints:
      - {type: foreign_key, columns: [m_id], to: "ref('ver_m', v=4.5)", to_columns: [id]}
      - {type: foreign_key, columns: [latest_id], to: "ref('ver_m')", to_columns: [id]}
    columns:
      - {name: m_id, data_type: int}
      - {name: latest_id, data_type: int}
"""

STORED = """
SELECT model, version, relation_name, is_latest
  FROM dbt_contract.models WHERE model LIKE 'ver%%' ORDER BY model, version
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s12")), DB)
    os.makedirs(p.path("models/ver"))
    p.write("models/ver/_ver.yml", VER_YML)
    p.write("models/ver/ver_m_four_five.sql", "select 1 as id, 'a'::text as label\n")
    p.write("models/ver/ver_m_test.sql", "select 1 as id, 'a'::text as label\n")
    p.write("models/ver/ver_child.sql", "select 1 as m_id, 1 as latest_id\n")
    yield p
    p.close()


def test_dbt_builds_the_versions(project):
    project.dbt("build", "-s", "ver_m", "ver_child")
    rels = project.sql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'analytics' AND c.relname LIKE 'ver%%' AND c.relkind = 'r' "
                       "ORDER BY 1")
    assert rels == [("ver_child",), ("ver_m_v4_5",), ("ver_m_vtest",)], rels
    # the hook stored the versions as dbt keys them
    assert project.sql(STORED) == [
        ("ver_child", None, "ver_child", None),
        ("ver_m", "4.5", "ver_m_v4_5", False),
        ("ver_m", "test", "ver_m_vtest", True),
    ]
    fks = project.sql("SELECT confrelid::regclass::text FROM pg_constraint "
                      "WHERE conrelid = 'analytics.ver_child'::regclass AND contype = 'f' "
                      "ORDER BY 1")
    assert fks == [("analytics.ver_m_v4_5",), ("analytics.ver_m_vtest",)], fks
    assert project.sql("SELECT relation, object, problem FROM dbt_contract.violations "
                       "WHERE model LIKE 'ver%%'") == []


def test_manifest_stores_the_same(project):
    with open(project.path("target/manifest.json")) as f:
        manifest = json.load(f)
    node = manifest["nodes"]["model.contract_e2e.ver_m.v4.5"]
    assert (node["version"], node["latest_version"]) == (4.5, "test"), node["version"]
    before = project.sql("SELECT k.to_text, k.to_version FROM dbt_contract.contract_constraint k "
                         "JOIN dbt_contract.contract_model m USING (model_id) "
                         "WHERE m.model = 'ver_child' ORDER BY k.ordinal")
    assert before == [("ref('ver_m', v=4.5)", "4.5"), ("ref('ver_m', v='test')", "test")], before
    rows = project.sql("SELECT model, version, action FROM dbt_contract_apply_manifest("
                       "%s::jsonb, %s, false, 'analytics') WHERE model LIKE 'ver%%' ORDER BY 1, 2",
                       (json.dumps(manifest), SOURCE))
    assert {a for *_, a in rows} == {"unchanged"}, rows


def test_extension_enforces_the_version_relation(project):
    # a type change on the relation of version 4.5 breaks its contract
    err = expect_sql_error(project.conn,
                           ["ALTER TABLE analytics.ver_m_v4_5 ALTER COLUMN id TYPE bigint"])
    assert 'model "ver_m" version 4.5' in str(err), err
    # a rebuild whose SQL drifts fails (dbt's own preflight check is first)
    # and leaves the built relation as it was
    project.write("models/ver/ver_m_four_five.sql", "select 1::int2 as id, 'a'::text as label\n")
    res = project.dbt("run", "-s", "ver_m", expect_ok=False)
    assert "ver_m" in res.output, res.tail()
    assert project.column_type("analytics.ver_m_v4_5", "id") == "integer"
    project.write("models/ver/ver_m_four_five.sql", "select 1 as id, 'a'::text as label\n")
