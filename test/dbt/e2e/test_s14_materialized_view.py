"""S14: dbt-postgres' materialized_view materialization with an enforced
contract (dbt-core #11403), end to end with real dbt: the first build,
a rerun (dbt refreshes the materialized view in place), a full refresh
(dbt builds mv__dbt_tmp and swaps it in), all pass; a change to the
model's SQL that gives a column another type is refused when dbt creates
the new materialized view, and the one of the last build is kept."""
import pytest

from dbtsuite import Project, fresh_database

DB = "dbt_e2e_s14"

MV_YML = """
version: 2
models:
  - name: mv_order_totals
    config:
      materialized: materialized_view
      contract: {enforced: true}
    columns:
      - {name: order_id, data_type: integer}
      - {name: total_cents, data_type: bigint}
"""

MV_SQL = "select 1::integer as order_id, 250::bigint as total_cents\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s14")), DB)
    p.write("models/reports/_mv.yml", MV_YML)
    p.write("models/reports/mv_order_totals.sql", MV_SQL)
    yield p
    p.close()


def relkind(project):
    return project.value("SELECT relkind::text FROM pg_class "
                         "WHERE oid = to_regclass('analytics.mv_order_totals')")


def test_contract_is_loaded_enforced(project):
    res = project.dbt("run", "-s", "mv_order_totals")
    assert relkind(project) == "m", res.tail()
    assert project.sql("SELECT materialized, enforced FROM dbt_contract.models "
                       "WHERE model = 'mv_order_totals' AND target = 'analytics'") == \
        [("materialized_view", True)]


def test_rerun_and_full_refresh_pass(project):
    oid = project.value("SELECT 'analytics.mv_order_totals'::regclass::oid")
    project.dbt("run", "-s", "mv_order_totals")
    project.dbt("run", "-s", "mv_order_totals", "--full-refresh")
    assert relkind(project) == "m"
    # a full refresh built a new relation, checked like the first
    assert project.value("SELECT 'analytics.mv_order_totals'::regclass::oid") != oid
    assert project.column_type("analytics.mv_order_totals", "total_cents") == "bigint"
    assert project.sql("SELECT * FROM dbt_contract_check('analytics.mv_order_totals')") == []


def test_changed_type_refused(project):
    project.write("models/reports/mv_order_totals.sql",
                  MV_SQL.replace("250::bigint", "250::integer"))
    try:
        res = project.dbt("run", "-s", "mv_order_totals", "--full-refresh",
                          expect_ok=False)
    finally:
        project.write("models/reports/mv_order_totals.sql", MV_SQL)
    assert 'does not match the enforced contract of model "mv_order_totals"' in res.output, res.tail()
    assert "total_cents" in res.output
    assert project.column_type("analytics.mv_order_totals", "total_cents") == "bigint"
    assert project.sql("SELECT * FROM analytics.mv_order_totals") == [(1, 250)]
