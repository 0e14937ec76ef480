"""S15: the comments on a built relation are those dbt writes: with the
package's hook and the default dbt_contract.sync_descriptions
(persist_docs), a model with persist_docs gets its descriptions as
comments (dbt writes them too), a model without gets none, as without the
extension; a dbt_project.yml +persist_docs reaches the extension through
the hook like a schema.yml one."""
import pytest

from dbtsuite import Project, fresh_database

DB = "dbt_e2e_s15"

DOCS_YML = """
version: 2
models:
  - name: docs_persisted
    description: Persisted model docs
    config:
      materialized: table
      contract: {enforced: true}
      persist_docs: {relation: true, columns: true}
    columns:
      - {name: id, data_type: integer, description: Persisted column docs}
  - name: docs_not_persisted
    description: Docs dbt keeps to itself
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - {name: id, data_type: integer, description: Column docs dbt keeps to itself}
  - name: docs_from_project
    description: Docs the project config persists
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - {name: id, data_type: integer, description: Column docs the project persists}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s15")), DB)
    p.write("models/reports/_docs.yml", DOCS_YML)
    for name in ("docs_persisted", "docs_not_persisted", "docs_from_project"):
        p.write(f"models/reports/{name}.sql", "select 1::integer as id\n")
    cfg = p.read("dbt_project.yml")
    p.write("dbt_project.yml", cfg + """
models:
  contract_e2e:
    reports:
      docs_from_project:
        +persist_docs: {relation: true, columns: true}
""")
    p.dbt("run", "-s", "docs_persisted", "docs_not_persisted", "docs_from_project")
    yield p
    p.close()


def comments(project, relation):
    return project.sql(
        "SELECT obj_description(%s::regclass, 'pg_class'), "
        "       col_description(%s::regclass, 1)", (relation, relation))[0]


def test_stored_as_dbt_resolved_it(project):
    assert project.sql(
        "SELECT model, persist_relation_docs, persist_column_docs FROM dbt_contract.models "
        "WHERE model LIKE 'docs\\_%%' ORDER BY model") == [
        ("docs_from_project", True, True),
        ("docs_not_persisted", False, False),
        ("docs_persisted", True, True)]


def test_comments_only_where_dbt_writes_them(project):
    assert comments(project, "analytics.docs_persisted") == \
        ("Persisted model docs", "Persisted column docs")
    assert comments(project, "analytics.docs_from_project") == \
        ("Docs the project config persists", "Column docs the project persists")
    assert comments(project, "analytics.docs_not_persisted") == (None, None)
