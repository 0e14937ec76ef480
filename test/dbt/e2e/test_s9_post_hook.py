"""S8: a post-hook that changes the table dbt just built
(`alter table {{ this }} add column _loaded_at ...`) breaks the model's
enforced contract.  The drift guard refuses it, and its error says that a
statement after the build changed the relation dbt built (a post-hook)
and how to declare the column instead; the previous build stays.  Declared
as the hint says, the same column builds."""
import pytest

from dbtsuite import Project, fresh_database

DB = "dbt_e2e_post_hook"
MODEL = "models/marts/dim_order_statuses.sql"
YAML = "models/marts/_marts.yml"
POST_HOOK = ('{{ config(post_hook="alter table {{ this }} '
             'add column _loaded_at timestamptz default now()") }}\n')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("post_hook")), DB)
    p.dbt("build")
    yield p
    p.close()


def test_post_hook_alter_is_refused_and_explained(project):
    before = project.sql("SELECT * FROM analytics.dim_order_statuses ORDER BY 1")
    sql = project.read(MODEL)
    project.write(MODEL, POST_HOOK + sql)
    try:
        res = project.dbt("run", "-s", "dim_order_statuses", expect_ok=False)
    finally:
        project.write(MODEL, sql)
    out = res.output
    assert ("a statement after the build of relation analytics.dim_order_statuses "
            'breaks the enforced contract of model "dim_order_statuses"') in out, res.tail()
    assert "a post-hook altered the table dbt had just built" in out, res.tail()
    assert "| _loaded_at  | timestamp with time zone |" in out, res.tail()
    assert "- name: _loaded_at" in out and "data_type: timestamp with time zone" in out, res.tail()
    # the previous build is untouched
    assert project.column_type("analytics.dim_order_statuses", "_loaded_at") is None
    assert project.sql("SELECT * FROM analytics.dim_order_statuses ORDER BY 1") == before


def test_declared_column_builds(project):
    """The fix the hint gives: the column in the contract and in the SQL."""
    sql, yml = project.read(MODEL), project.read(YAML)
    start = yml.index("  - name: dim_order_statuses\n")
    end = yml.index("\n  - name: ", start + 1) + 1
    project.write(YAML, yml[:end].rstrip("\n") + "\n"
                  + "      - name: _loaded_at\n"
                  + "        data_type: timestamp with time zone\n\n"
                  + yml[end:])
    assert "sort_order::smallint\n" in sql
    project.write(MODEL, sql.replace("sort_order::smallint\n",
                                     "sort_order::smallint, now()::timestamptz as _loaded_at\n"))
    try:
        project.dbt("run", "-s", "dim_order_statuses")
        assert (project.column_type("analytics.dim_order_statuses", "_loaded_at")
                == "timestamp with time zone")
    finally:
        project.write(MODEL, sql)
        project.write(YAML, yml)
