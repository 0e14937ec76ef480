"""S4: dbt_contract_clone for dev targets.  Production is built; a dev
target gets views onto the contracted relations it lacks (custom schemas
included, placed as dbt names them for the dev target), so a BI tool
pointed at dev works; `dbt build -s <model>` in dev then replaces that
model's view with the real table; cloning again creates nothing new."""
import pytest

from dbtsuite import Project, fresh_database

DB = "dbt_e2e_s4"
PROD, DEV = "prod", "dev_alice"

BI_QUERY = """
SELECT r.region_name, s.status, count(*) AS orders, sum(p.amount) AS paid
  FROM {s}.fct_orders o
  JOIN {s}.dim_customers c ON c.customer_id = o.customer_id
  JOIN {s}_geo.regions r ON r.region_code = c.region_code
  JOIN {s}.dim_order_statuses s ON s.status = o.status
  LEFT JOIN {s}.fct_payments p ON p.order_id = o.order_id
 GROUP BY 1, 2 ORDER BY 1, 2
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s4")), DB,
                env={"DBT_SCHEMA": PROD, "DBT_DEV_SCHEMA": DEV})
    p.dbt("build")                      # target prod
    p.sql(f"CREATE SCHEMA {DEV}; CREATE SCHEMA {DEV}_geo")
    yield p
    p.close()


def clone(project):
    # target to target: the custom schema (<target>_geo) comes along
    return project.sql(f"SELECT model, relation, action FROM dbt_contract_clone('{PROD}', '{DEV}') "
                       f"ORDER BY 2")


def relkind(project, rel):
    return project.value("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(%s)", (rel,))


def test_clone_creates_views(project):
    rows = clone(project)
    prod_rels = project.sql(
        "SELECT relation_schema, relation_name FROM dbt_contract.models ORDER BY 2")
    assert len(rows) == len(prod_rels) == 14
    assert {a for *_, a in rows} == {"created"}
    for _, rel, _ in rows:
        assert relkind(project, rel) == "v", rel
    assert relkind(project, f"{DEV}.fct_orders") == "v"
    assert relkind(project, f"{DEV}_geo.regions") == "v"


def test_bi_query_through_dev(project):
    prod = project.sql(BI_QUERY.format(s=PROD))
    assert len(prod) > 0
    assert project.sql(BI_QUERY.format(s=DEV)) == prod
    assert (project.sql(f"SELECT * FROM {DEV}.rpt_customer_summary ORDER BY 1")
            == project.sql(f"SELECT * FROM {PROD}.rpt_customer_summary ORDER BY 1"))


def test_dev_build_replaces_the_view(project):
    res = project.dbt("build", "-s", "dim_order_statuses", target="dev")
    assert f"table model {DEV}.dim_order_statuses" in res.output, res.tail()
    assert relkind(project, f"{DEV}.dim_order_statuses") == "r"
    assert (project.sql(f"SELECT * FROM {DEV}.dim_order_statuses ORDER BY 1")
            == project.sql(f"SELECT * FROM {PROD}.dim_order_statuses ORDER BY 1"))
    # built with its contract's constraints, nothing left behind
    assert project.value("SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass "
                         "AND contype = 'p'", (f"{DEV}.dim_order_statuses",)) == 1
    assert project.value("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
                         "WHERE nspname = %s AND relkind IN ('r', 'v') "
                         "AND (relname LIKE '%%\\_\\_dbt\\_tmp%%' OR relname LIKE '%%\\_\\_dbt\\_backup')",
                         (DEV,)) == 0
    # the other dev relations are still the views onto production
    assert relkind(project, f"{DEV}.fct_orders") == "v"
    assert project.sql(BI_QUERY.format(s=DEV)) == project.sql(BI_QUERY.format(s=PROD))


def test_clone_again_is_idempotent(project):
    # the dev run's hook applied dev's own contracts and left production's
    # as they were: production's next run (here as an operation) finds
    # nothing to change
    res = project.dbt("run-operation", "dbt_contract.apply", target="prod")
    assert "dbt_contract: unchanged fct_orders -> prod.fct_orders" in res.output, res.tail()
    assert project.value("SELECT count(DISTINCT target) FROM dbt_contract.models") == 2
    # production conforms; dev's cloned views stand in for its tables, and
    # verify of dev says so (relation kind)
    assert project.sql(f"SELECT * FROM dbt_contract_verify('{PROD}')") == []
    assert {p for (p,) in project.sql(f"SELECT DISTINCT problem FROM dbt_contract_verify('{DEV}')")} \
        <= {"relation kind"}
    again = clone(project)
    actions = {rel: a for _, rel, a in again}
    assert actions.pop(f"{DEV}.dim_order_statuses") == "skipped"
    assert set(actions.values()) == {"exists"}
    assert len(actions) == 13
    assert clone(project) == again
    assert relkind(project, f"{DEV}.dim_order_statuses") == "r"
