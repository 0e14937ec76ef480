"""S11: dbt_primary_key is what dbt itself writes as each model's
primary_key in manifest.json, rung by rung of dbt's infer_primary_key:
a model-level primary_key constraint, a column-level one, columns with
both not_null and unique tests, the union of enabled unique tests (a
unique combination counts each column), disabled unique tests, none; and
for each version of a versioned model.  The manifest path reads disabled
tests as dbt does; the hook sees enabled tests only, so the one model
whose key comes from a disabled test has none there (README, Limitations
of the loader)."""
import json
import os

import pytest

from dbtsuite import SOURCE, Project, fresh_database, needs_dbt

DB = "dbt_e2e_s11"

pytestmark = needs_dbt((1, 9), "manifest.json nodes carry primary_key")

PK_YML = """
version: 2
models:
  - name: pk_model_constraint
    constraints:
      - {type: primary_key, columns: [b, a]}
    columns:
      - {name: a, data_tests: [unique]}
      - {name: b}
  - name: pk_column_constraint
    columns:
      - {name: a, data_tests: [unique, not_null]}
      - {name: b, constraints: [{type: primary_key}]}
  - name: pk_unique_not_null
    columns:
      - {name: a, data_tests: [unique]}
      - {name: b, data_tests: [not_null, unique]}
  - name: pk_two_uniques
    columns:
      - {name: b, data_tests: [unique]}
      - {name: a, data_tests: [unique, not_null]}
      - {name: c, data_tests: [not_null]}
  - name: pk_two_uniques_no_not_null
    columns:
      - {name: b, data_tests: [unique]}
      - {name: a, data_tests: [unique]}
  - name: pk_combination
    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [b, a]
    columns:
      - {name: a}
      - {name: b}
  - name: pk_disabled_unique
    columns:
      - name: a
        data_tests:
          - unique:
              config: {enabled: false}
      - {name: b}
  - name: pk_none
    columns:
      - {name: a, data_tests: [not_null]}
      - {name: b}
  - name: pk_versioned
    latest_version: 2
    columns:
      - {name: a, data_tests: [unique, not_null]}
      - {name: b, data_tests: [unique]}
    versions:
      - v: 1
      - v: 2
        columns:
          - include: all
            exclude: [a]
"""

COMBINATION_MACRO = """{% test unique_combination_of_columns(model, combination_of_columns) %}
select 1 where false
{% endtest %}
"""

MODELS = ["pk_model_constraint", "pk_column_constraint", "pk_unique_not_null",
          "pk_two_uniques", "pk_two_uniques_no_not_null", "pk_combination",
          "pk_disabled_unique", "pk_none", "pk_versioned_v1", "pk_versioned_v2"]

STORED = """SELECT m.model, m.version, d.primary_key
              FROM dbt_contract.dbt_primary_keys d
              JOIN dbt_contract.contract_model m USING (model_id)
             WHERE m.model LIKE 'pk\\_%%' AND m.target = 'analytics'"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s11")), DB)
    os.makedirs(p.path("models/pk"))
    p.write("models/pk/_pk.yml", PK_YML)
    for name in MODELS:
        p.write(f"models/pk/{name}.sql", "select 1 as a, 2 as b, 3 as c\n")
    os.makedirs(p.path("macros"), exist_ok=True)
    p.write("macros/unique_combination_of_columns.sql", COMBINATION_MACRO)
    p.dbt("parse")
    yield p
    p.close()


def dbt_keys(project):
    """(model, version) -> primary_key, from dbt's own manifest."""
    with open(project.path("target/manifest.json")) as f:
        nodes = json.load(f)["nodes"]
    keys = {}
    for node in nodes.values():
        if node["resource_type"] == "model" and node["name"].startswith("pk_"):
            version = node.get("version")
            keys[(node["name"], None if version is None else int(version))] = \
                sorted(node["primary_key"])
    return keys


def stored_keys(project):
    # versions are text, as dbt keys them; these are integer versions
    return {(m, None if v is None else int(v)): sorted(k) for m, v, k in project.sql(STORED)}


def test_dbt_writes_each_rung(project):
    # the expectations, so that a change in dbt shows here first
    assert dbt_keys(project) == {
        ("pk_model_constraint", None): ["a", "b"],
        ("pk_column_constraint", None): ["b"],
        ("pk_unique_not_null", None): ["b"],
        ("pk_two_uniques", None): ["a"],
        ("pk_two_uniques_no_not_null", None): ["a", "b"],
        ("pk_combination", None): ["a", "b"],
        ("pk_disabled_unique", None): ["a"],
        ("pk_none", None): [],
        ("pk_versioned", 1): ["a"],
        ("pk_versioned", 2): ["b"],
    }


def test_manifest_apply_matches_dbt(project):
    with open(project.path("target/manifest.json")) as f:
        manifest = f.read()
    project.sql("SELECT count(*) FROM dbt_contract_apply_manifest("
                "%s::jsonb, %s, false, 'analytics')", (manifest, SOURCE))
    assert stored_keys(project) == dbt_keys(project)


def test_hook_matches_dbt_but_for_disabled_tests(project):
    project.dbt("run-operation", "dbt_contract.apply")
    want = dbt_keys(project)
    want[("pk_disabled_unique", None)] = []     # the hook never sees it
    assert stored_keys(project) == want
