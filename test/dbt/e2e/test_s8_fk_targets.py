"""S8: a foreign key's target is stored in one form whatever the path.
The project gets a versioned parent, a child with foreign keys to it
(unversioned and v=1), to a seed and to a source whose schema and
identifier differ from its names (both stored as their relations: they
have no contracts).  The compiled target/manifest.json names
relations; the on-run-start hook sends ref() and source(); switching
between them is no change, in either order."""
import json
import os

import pytest

from dbtsuite import SOURCE, Project, fresh_database

DB = "dbt_e2e_s8"

FK_YML = """
version: 2
sources:
  - name: fk_raw
    schema: fk_raw_data
    tables:
      - name: accounts
        identifier: accounts_tbl
models:
  - name: fk_parent
    latest_version: 2
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
    versions: [{v: 1}, {v: 2}]
  - name: fk_child
    config: {materialized: table, contract: {enforced: true}}
    constraints:
      - {type: foreign_key, columns: [parent_id], to: "ref('fk_parent')", to_columns: [id]}
      - {type: foreign_key, columns: [old_parent_id], to: "ref('fk_parent', v=1)", to_columns: [id]}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: parent_id, data_type: int}
      - {name: old_parent_id, data_type: int}
      - name: account_id
        data_type: int
        constraints:
          - {type: foreign_key, to: "source('fk_raw', 'accounts')", to_columns: [id]}
      - name: region_code
        data_type: char(3)
        constraints:
          - {type: foreign_key, to: "ref('raw_regions')", to_columns: [region_code]}
"""

STORED = """
SELECT array_to_string(k.columns, ','), k.to_text, k.to_model, k.to_version
  FROM dbt_contract.contract_constraint k JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model = 'fk_child' AND k.constraint_type = 'foreign_key'
 ORDER BY 1
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s8")), DB)
    os.makedirs(p.path("models/fk"))
    p.write("models/fk/_fk.yml", FK_YML)
    p.write("models/fk/fk_parent_v1.sql", "select 1 as id\n")
    p.write("models/fk/fk_parent_v2.sql", "select 1 as id\n")
    p.write("models/fk/fk_child.sql",
            "select 1 as id, 1 as parent_id, 1 as old_parent_id, 1 as account_id, "
            "'NTH'::char(3) as region_code\n")
    yield p
    p.close()


def apply_manifest(project):
    with open(project.path("target/manifest.json")) as f:
        manifest = f.read()
    return project.sql("SELECT model, version, action FROM dbt_contract_apply_manifest("
                       "%s::jsonb, %s, false, 'analytics') ORDER BY 1, 2", (manifest, SOURCE))


def test_compiled_manifest_names_relations(project):
    project.dbt("compile")
    with open(project.path("target/manifest.json")) as f:
        node = json.load(f)["nodes"]["model.contract_e2e.fk_child"]
    tos = sorted(c["to"] for c in node["constraints"])
    assert tos[1].endswith('."analytics"."fk_parent_v2"'), tos
    cols = {c["name"]: c for c in node["columns"].values()}
    assert cols["account_id"]["constraints"][0]["to"].endswith('."fk_raw_data"."accounts_tbl"')


def test_manifest_then_hook_is_no_change(project):
    # whatever the compile's hook stored, the compiled manifest stores the
    # same, and so does the hook again
    rows = apply_manifest(project)
    assert {a for *_, a in rows} <= {"unchanged", "added"}, rows
    stored = project.sql(STORED)
    assert stored == [
        ("account_id", "fk_raw_data.accounts_tbl", None, None),
        ("old_parent_id", "ref('fk_parent', v=1)", "fk_parent", "1"),
        ("parent_id", "ref('fk_parent', v=2)", "fk_parent", "2"),
        ("region_code", "analytics.raw_regions", None, None),
    ], stored
    res = project.dbt("run-operation", "dbt_contract.apply")
    assert "dbt_contract: unchanged fk_child -> analytics.fk_child" in res.output, res.tail()
    assert "dbt_contract: changed" not in res.output, res.tail()
    assert project.sql(STORED) == stored
    # and back: the compiled manifest after the hook
    assert {a for *_, a in apply_manifest(project)} == {"unchanged"}
    assert project.sql(STORED) == stored


def test_build_enforces_the_stored_targets(project):
    project.sql("CREATE SCHEMA fk_raw_data; "
                "CREATE TABLE fk_raw_data.accounts_tbl (id int PRIMARY KEY); "
                "INSERT INTO fk_raw_data.accounts_tbl VALUES (1)")
    # a foreign key needs a unique key on the seed's column
    project.dbt("seed", "-s", "raw_regions")
    project.sql("ALTER TABLE analytics.raw_regions ADD UNIQUE (region_code)")
    project.dbt("build", "-s", "fk_parent", "fk_child")
    fks = project.sql("SELECT confrelid::regclass::text FROM pg_constraint "
                      "WHERE conrelid = 'analytics.fk_child'::regclass AND contype = 'f' "
                      "ORDER BY 1")
    assert fks == [("analytics.fk_parent_v1",), ("analytics.fk_parent_v2",),
                   ("analytics.raw_regions",), ("fk_raw_data.accounts_tbl",)], fks
    assert project.sql("SELECT relation, object, problem FROM dbt_contract.violations "
                       "WHERE model LIKE 'fk%%'") == []
