"""S2: what dbt misses, the database catches.  After a good build:
  * a view model whose SQL yields smallint where the contract says integer
    passes dbt's coarse preflight (smallint ~ integer) and is refused by
    the extension when dbt creates the view;
  * a hand-run CREATE TABLE ... AS hotfix of a contracted table, which
    silently drops its constraints, is refused;
  * ALTER TABLE ... ALTER COLUMN ... TYPE on a live contracted table is
    refused;
  * a breaking change to a versioned model (dbt sees none without --state)
    fails the hook, which stops the run before anything is built.
Each fails with the extension's error (SQLSTATE 42P16) and the data of the
previous build is intact."""
import pytest

from dbtsuite import Project, expect_sql_error, fresh_database

DB = "dbt_e2e_s2"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s2")), DB)
    p.dbt("build")
    yield p
    p.close()


def test_view_with_smallint_refused(project):
    before = project.sql("SELECT * FROM analytics.stg_orders ORDER BY order_id")
    sql = project.read("models/staging/stg_orders.sql")
    project.write("models/staging/stg_orders.sql",
                  sql.replace("customer_id::integer", "customer_id::smallint"))
    try:
        res = project.dbt("run", "-s", "stg_orders", expect_ok=False)
    finally:
        project.write("models/staging/stg_orders.sql", sql)
    out = res.output
    # dbt's own preflight let it through (its error names no relation) ...
    assert "Compilation Error" not in out
    # ... and the database refused the view dbt created
    assert 'relation analytics.stg_orders__dbt_tmp does not match the enforced contract of model "stg_orders"' in out, res.tail()
    assert "| customer_id | smallint        | integer       | data type mismatch |" in out, res.tail()
    # the view of the previous build is still there, unchanged
    assert project.column_type("analytics.stg_orders", "customer_id") == "integer"
    assert project.sql("SELECT * FROM analytics.stg_orders ORDER BY order_id") == before
    assert project.value("SELECT to_regclass('analytics.stg_orders__dbt_tmp')") is None


def test_dbt_type_match_mode_would_let_it_pass(project):
    """The same view with dbt_contract.type_match = dbt (dbt's coarse groups)
    is accepted: the refusal above is the extension's stricter check."""
    conn = project.conn
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SET LOCAL dbt_contract.type_match = 'dbt'")
        cur.execute("CREATE OR REPLACE VIEW analytics.stg_orders__dbt_tmp AS "
                    "SELECT order_id, customer_id::smallint AS customer_id, ordered_at, status "
                    "FROM analytics.stg_orders")
        cur.execute("ROLLBACK")


def test_ctas_hotfix_refused(project):
    rows = project.value("SELECT count(*) FROM analytics.fct_payments")
    total = project.value("SELECT sum(amount) FROM analytics.fct_payments")
    e = expect_sql_error(project.conn, [
        "CREATE TEMP TABLE payments_fix AS SELECT * FROM analytics.fct_payments",
        "UPDATE payments_fix SET amount = amount + 1 WHERE payment_id = 1",
        "DROP TABLE analytics.fct_payments",
        "CREATE TABLE analytics.fct_payments AS SELECT * FROM payments_fix",
    ], sqlstate="42P16")
    msg = e.pgerror
    assert 'relation analytics.fct_payments does not match the enforced contract of model "fct_payments"' in msg
    assert "primary_key: want PRIMARY KEY (payment_id), have none" in msg
    assert "foreign_key" in msg and "not_null" in msg
    # the table of the previous build, with its rows and constraints
    assert project.value("SELECT count(*) FROM analytics.fct_payments") == rows
    assert project.value("SELECT sum(amount) FROM analytics.fct_payments") == total
    assert project.value("SELECT count(*) FROM pg_constraint "
                         "WHERE conrelid = 'analytics.fct_payments'::regclass AND contype = 'p'") == 1


def test_alter_column_type_refused(project):
    """Even a widening (numeric(12,2) -> numeric(14,2)) breaks the contract
    its consumers rely on."""
    data = project.sql("SELECT * FROM analytics.fct_payments ORDER BY payment_id")
    e = expect_sql_error(project.conn, [
        "ALTER TABLE analytics.fct_payments ALTER COLUMN amount TYPE numeric(14,2)",
    ], sqlstate="42P16")
    assert ('this change to relation analytics.fct_payments breaks the enforced contract '
            'of model "fct_payments"') in e.pgerror
    assert "| amount      | numeric(14,2)   | numeric(12,2) | data type mismatch |" in e.pgerror, e.pgerror
    assert project.column_type("analytics.fct_payments", "amount") == "numeric(12,2)"
    assert project.sql("SELECT * FROM analytics.fct_payments ORDER BY payment_id") == data


def test_breaking_change_to_a_versioned_model_refused(project):
    """dbt notices a breaking change only with --state; the database has the
    previous contract.  A column type changed in the YAML and the SQL of a
    versioned model: the hook's apply fails and stops the run, and the
    table of the previous build stays as it was."""
    yml = project.read("models/marts/_marts.yml")
    sql = project.read("models/marts/customer_orders_v1.sql")
    before = project.sql("SELECT * FROM analytics.customer_orders_v1 ORDER BY 1")
    project.write("models/marts/_marts.yml", yml.replace(
        "      - name: first_order_on\n        data_type: date",
        "      - name: first_order_on\n        data_type: timestamp"))
    project.write("models/marts/customer_orders_v1.sql", sql.replace(
        "min(o.ordered_at)                    as first_order_on",
        "min(o.ordered_at)::timestamp        as first_order_on"))
    try:
        res = project.dbt("run", "-s", "customer_orders.v1", expect_ok=False)
    finally:
        project.write("models/marts/_marts.yml", yml)
        project.write("models/marts/customer_orders_v1.sql", sql)
    out = res.output
    assert "breaking changes to the enforced contracts of 2 versioned models" in out, res.tail()
    assert ('model "customer_orders" version 1: column type changed: column first_order_on: '
            'date -> timestamp without time zone') in out
    # the hook's error stops the run before dbt builds anything
    assert "START sql table model analytics.customer_orders_v1" not in out, res.tail()
    assert project.column_type("analytics.customer_orders_v1", "first_order_on") == "date"
    assert project.sql("SELECT * FROM analytics.customer_orders_v1 ORDER BY 1") == before


def test_rebuild_after_the_attempts(project):
    """Nothing was left half-done: the project builds again and every
    relation matches its contract."""
    project.dbt("build")
    assert project.sql("SELECT * FROM dbt_contract.violations") == []
