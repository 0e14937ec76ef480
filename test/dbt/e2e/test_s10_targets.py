"""S8: one project built for a `prod` target (schema analytics) and a `dev`
target (schema dev) in one database, the package's hook active in both,
var dbt_contract_prod_target naming production's schema (dbt_project.yml):

  * a contract violation in the dev build fails the dev build and leaves
    production's contracts and data untouched;
  * a breaking change made on the dev branch is reported by dbt (a warning
    naming production) and by dbt_contract_diff_targets, and never blocks
    dev's next run;
  * (a) a column added to a versioned model and reverted: on dev nothing
    blocks; on prod the revert is dbt's breaking change, refused until the
    owner accepts it with --vars '{dbt_contract_allow_breaking: true}';
  * (b) a branch adds a version and builds only another model; back on
    main, the never-built version's removal does not block;
  * (c) an unversioned breaking change and a CASCADE-lost foreign key are
    dbt warnings (output, logs/dbt.log), and errors under --warn-error;
  * a run that changes no contract sends nothing and leaves no payload in
    target/ or run_results.json."""
import json
import os

import pytest

from dbtsuite import DBT_VERSION, SOURCE, Project, fresh_database

DB = "dbt_e2e_s8"
MARTS = "models/marts/_marts.yml"
V2_COLUMNS = ("          - name: last_order_on\n"
              "            data_type: date\n")
V2_EXTRA = V2_COLUMNS + ("          - name: note\n"
                         "            data_type: text\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s8")), DB)
    p.dbt("build", target="prod")
    p.dbt("build", target="dev")
    yield p
    p.close()


@pytest.fixture
def yml(project):
    """The marts YAML, restored after the test."""
    text = project.read(MARTS)
    yield text
    project.write(MARTS, text)


def contracts(project, target):
    return project.sql(
        "SELECT m.model, m.version, c.column_name, c.formatted_type "
        "FROM dbt_contract.models m JOIN dbt_contract.columns c "
        "  ON (c.model, coalesce(c.version, ''), c.target) = (m.model, coalesce(m.version, ''), m.target) "
        "WHERE m.target = %s ORDER BY 1, 2, 3", (target,))


def last_apply(project, target):
    return project.value("SELECT max(apply_id) FROM dbt_contract.history WHERE target = %s",
                         (target,))


def dbt_log(project):
    with open(project.path("logs/dbt.log")) as f:
        return f.read()


def test_both_targets_have_their_contracts(project):
    assert project.sql("SELECT target, count(*) FROM dbt_contract.models "
                       "GROUP BY 1 ORDER BY 1") == [("analytics", 14), ("dev", 14)]
    assert project.value("SELECT count(*) FROM dev.fct_orders") == \
        project.value("SELECT count(*) FROM analytics.fct_orders")
    assert project.sql("SELECT * FROM dbt_contract_diff_targets('analytics', 'dev')") == []


def test_dev_violation_fails_dev_only(project):
    prod_contracts = contracts(project, "analytics")
    prod_rows = project.sql("SELECT * FROM analytics.stg_orders ORDER BY order_id")
    prod_apply = last_apply(project, "analytics")
    sql = project.read("models/staging/stg_orders.sql")
    project.write("models/staging/stg_orders.sql",
                  sql.replace("customer_id::integer", "customer_id::smallint"))
    try:
        res = project.dbt("run", "-s", "stg_orders", target="dev", expect_ok=False)
    finally:
        project.write("models/staging/stg_orders.sql", sql)
    assert 'relation dev.stg_orders__dbt_tmp does not match the enforced contract' in res.output, res.tail()
    assert project.column_type("dev.stg_orders", "customer_id") == "integer"
    # production: the same contracts, no new apply, the same data
    assert contracts(project, "analytics") == prod_contracts
    assert last_apply(project, "analytics") == prod_apply
    assert project.sql("SELECT * FROM analytics.stg_orders ORDER BY order_id") == prod_rows
    assert project.column_type("analytics.stg_orders", "customer_id") == "integer"


def test_dev_breaking_change_is_reported_not_blocking(project, yml):
    """A type change of versioned customer_orders v2 on the dev branch:
    dbt says what it would break for production, dbt_contract_diff_targets
    lists it, and dev's own runs go on."""
    project.write(MARTS, yml.replace(
        "          - name: last_order_on\n            data_type: date",
        "          - name: last_order_on\n            data_type: timestamp"))
    res = project.dbt("run", "-s", "stg_orders", target="dev")
    want = ("dbt_contract: target dev would break production (analytics) for model "
            "customer_orders v2: column type changed: column last_order_on: date -> "
            "timestamp without time zone")
    assert want in res.output, res.tail()
    assert want in dbt_log(project)
    rows = project.sql("SELECT model, version, change, breaking "
                       "FROM dbt_contract_diff_targets('analytics', 'dev')")
    assert rows == [("customer_orders", "2", "column type changed", True)]
    # the same contracts again: nothing sent, nothing blocks
    project.dbt("run", "-s", "stg_orders", target="dev")
    # a CI job's --warn-error turns the report into a failure
    project.dbt("run-operation", "dbt_contract.diff_production", target="dev")
    res = project.dbt("--warn-error", "run-operation", "dbt_contract.diff_production",
                      target="dev", expect_ok=False)
    assert "would break production (analytics)" in res.output
    # back to main's YAML: dev is like production again
    project.write(MARTS, yml)
    project.dbt("run", "-s", "stg_orders", target="dev")
    assert project.sql("SELECT * FROM dbt_contract_diff_targets('analytics', 'dev')") == []


def test_a_added_column_reverted_on_dev(project, yml):
    """(a) on a developer's target: the revert of an added column is no
    breaking change against anything that matters, and nothing blocks."""
    project.write(MARTS, yml.replace(V2_COLUMNS, V2_EXTRA))
    res = project.dbt("run", "-s", "stg_orders", target="dev")
    assert "would break production" not in res.output   # an addition breaks nothing
    assert ("customer_orders", "2", "note", "text") in contracts(project, "dev")
    project.write(MARTS, yml)
    res = project.dbt("run", "-s", "stg_customers", target="dev")
    assert "breaking change" not in res.output, res.tail()
    assert ("customer_orders", "2", "note", "text") not in contracts(project, "dev")


def test_a_added_column_reverted_on_prod_is_accepted_by_the_owner(project, yml):
    """(a) on production: dbt's rule, the revert removes a published
    column of a versioned model.  The owner accepts it deliberately."""
    project.write(MARTS, yml.replace(V2_COLUMNS, V2_EXTRA))
    project.dbt("run", "-s", "stg_orders", target="prod")
    project.write(MARTS, yml)
    res = project.dbt("run", "-s", "stg_customers", target="prod", expect_ok=False)
    assert 'breaking change to the enforced contract of model "customer_orders" version 2' in res.output
    assert "column removed: column note (text)" in res.output, res.tail()
    assert ("customer_orders", "2", "note", "text") in contracts(project, "analytics")
    res = project.dbt("run", "-s", "stg_customers", target="prod",
                      vars="{dbt_contract_allow_breaking: true}")
    assert ('dbt_contract: breaking change accepted for target analytics: model "customer_orders" '
            'version 2: column removed: column note (text)') in res.output, res.tail()
    assert ("customer_orders", "2", "note", "text") not in contracts(project, "analytics")
    assert project.value(
        "SELECT allow_breaking FROM dbt_contract.history WHERE apply_id = %s",
        (last_apply(project, "analytics"),)) is True
    # and the next ordinary run is clean
    res = project.dbt("run", "-s", "stg_customers", target="prod")
    assert "breaking change" not in res.output


def test_b_never_built_version_removed(project, yml):
    """(b) a branch adds customer_orders v3 and runs one unrelated model on
    prod; back on main the v3 contract goes without blocking anything."""
    project.write(MARTS, yml.replace(V2_COLUMNS, V2_COLUMNS + "      - v: 3\n"))
    with open(project.path("models/marts/customer_orders_v3.sql"), "w") as f:
        f.write(project.read("models/marts/customer_orders_v1.sql"))
    try:
        project.dbt("run", "-s", "stg_orders", target="prod")
        assert project.value("SELECT count(*) FROM dbt_contract.models WHERE target = 'analytics' "
                             "AND model = 'customer_orders' AND version = '3'") == 1
        assert project.value("SELECT to_regclass('analytics.customer_orders_v3')") is None
    finally:
        os.remove(project.path("models/marts/customer_orders_v3.sql"))
        project.write(MARTS, yml)
    res = project.dbt("run", "-s", "stg_orders", target="prod")
    assert "model removed" not in res.output, res.tail()
    assert project.value("SELECT count(*) FROM dbt_contract.models WHERE target = 'analytics' "
                         "AND model = 'customer_orders' AND version = '3'") == 0


def test_c_unversioned_breaking_change_is_a_dbt_warning(project, yml):
    """(c) an unversioned model's breaking change on prod: a dbt warning in
    the output and in logs/dbt.log; --warn-error makes it an error and
    nothing is applied."""
    changed = yml.replace("      - name: ordered_at\n        data_type: date",
                          "      - name: ordered_at\n        data_type: timestamp", 1)
    assert changed != yml
    project.write(MARTS, changed)
    before = last_apply(project, "analytics")
    res = project.dbt("--warn-error", "run", "-s", "dim_customers", target="prod", expect_ok=False)
    want = ('dbt_contract: breaking change to an unversioned model for target analytics: '
            'model "fct_orders": column type changed: column ordered_at: date -> '
            'timestamp without time zone')
    assert want in res.output, res.tail()
    if DBT_VERSION < (1, 11):
        assert last_apply(project, "analytics") == before
    else:
        # dbt 1.11 fails the run, but only after the hook committed: the
        # change is applied (a known difference, README "Known limitations")
        assert last_apply(project, "analytics") > before
    res = project.dbt("run", "-s", "stg_orders", target="prod")
    if DBT_VERSION < (1, 11):
        # rolled back above, so this run applies it and warns again
        assert want in res.output, res.tail()
    assert want in dbt_log(project)
    assert last_apply(project, "analytics") > before
    project.write(MARTS, yml)
    res = project.dbt("run", "-s", "stg_orders", target="prod")
    assert "breaking change to an unversioned model" in res.output   # and back


def test_c_cascade_lost_foreign_key_is_a_dbt_warning(project):
    """(c) rebuilding dim_customers alone drops the foreign key fct_orders
    had on it (dbt drops the backup with CASCADE): the on-run-end report
    (what the run built and the models with a foreign key to it) says so,
    as a warning, an error under --warn-error."""
    res = project.dbt("run", "-s", "dim_customers", target="prod")
    assert "dbt_contract: relation analytics.fct_orders does not match its contract" in res.output, res.tail()
    assert "foreign_key" in res.output
    res = project.dbt("--warn-error", "run", "-s", "dim_customers", target="prod", expect_ok=False)
    assert "dbt_contract: relation analytics.fct_orders does not match its contract" in res.output
    # rebuilding the child (and its own child, whose key on it the
    # rebuild takes) puts everything right
    res = project.dbt("run", "-s", "fct_orders", "fct_payments", target="prod")
    assert "does not match its contract" not in res.output, res.tail()


def test_unchanged_run_sends_nothing(project):
    before = last_apply(project, "analytics")
    res = project.dbt("run", "-s", "stg_orders", target="prod")
    assert last_apply(project, "analytics") == before
    with open(project.path("target/run_results.json")) as f:
        results = f.read()
    assert "dbt_contract_apply_manifest" not in results
    assert len(results) < 10_000
    hooks = [r for r in json.loads(results)["results"] if "on-run-start" in r["unique_id"]]
    assert hooks and hooks[0]["status"] == "success"
    for root, _, files in os.walk(project.path("target")):
        for name in files:
            if name.endswith(".sql"):
                with open(os.path.join(root, name)) as f:
                    assert "dbt_contract_apply_manifest" not in f.read(), name
    assert project.value("SELECT checksum FROM dbt_contract.sources WHERE source = %s "
                         "AND target = 'analytics'", (SOURCE,))
