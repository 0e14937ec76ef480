"""S1: the package's on-run-start hook applies the project's contracts, then
`dbt build` passes with the database checking every relation dbt creates;
an incremental second run, a new column through append_new_columns and
`dbt build --full-refresh` pass too."""
import json
import re

import pytest

from dbtsuite import SOURCE, Project, fresh_database, needs_dbt

# dbt-core 1.8 has no foreign key `to:`; the suite gives it the older
# `expression:` form and a depends_on comment (dbtsuite.adapt_project), so
# nothing resolves the key to a model.
FK_TO = needs_dbt((1, 9), "foreign key constraints with `to: ref(...)`")

DB = "dbt_e2e_s1"

# (model, version) -> relation, as dbt resolves them: custom schema
# <target>_geo and an alias for dim_regions, <name>_v<N> for versions
# (versions are text, as dbt keys them).
RELATIONS = {
    ("stg_customers", None): "analytics.stg_customers",
    ("stg_orders", None): "analytics.stg_orders",
    ("stg_payments", None): "analytics.stg_payments",
    ("dim_regions", None): "analytics_geo.regions",
    ("dim_order_statuses", None): "analytics.dim_order_statuses",
    ("dim_customers", None): "analytics.dim_customers",
    ("fct_orders", None): "analytics.fct_orders",
    ("fct_payments", None): "analytics.fct_payments",
    ("customer_orders", "1"): "analytics.customer_orders_v1",
    ("customer_orders", "2"): "analytics.customer_orders_v2",
    ("fct_order_events", None): "analytics.fct_order_events",
    ("fct_daily_revenue", None): "analytics.fct_daily_revenue",
    ("rpt_customer_summary", None): "analytics.rpt_customer_summary",
    ("rpt_status_counts", None): "analytics.rpt_status_counts",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s1")), DB)
    yield p
    p.close()


@pytest.fixture(scope="module")
def first_build(project):
    return project.dbt("build")


def violations(project):
    return project.sql("SELECT relation, object, problem, have, want "
                       "FROM dbt_contract.violations ORDER BY 1, 2")


def test_build_passes(first_build):
    out = first_build.output
    assert "Completed successfully" in out
    # the hook ran first, and it is the package's statement
    hook = re.search(r"OK hook: contract_e2e\.on-run-start\.0", out)
    first_model = re.search(r"START sql \w+ model", out)
    assert hook and first_model and hook.start() < first_model.start(), out[-3000:]


def test_hook_loaded_every_model(project, first_build):
    rows = project.sql(
        "SELECT model, version, relation_schema || '.' || relation_name, enforced, source "
        "FROM dbt_contract.models")
    got = {(m, v): r for m, v, r, _, _ in rows}
    assert got == RELATIONS
    assert {s for *_, s in rows} == {SOURCE}
    enforced = {m for m, v, _, e, _ in rows if e}
    assert "stg_payments" not in enforced          # the model without a contract
    assert len(enforced) == 12
    # one apply, from the hook, recorded in the history
    assert project.value("SELECT count(*) FROM dbt_contract.history WHERE source = %s",
                         (SOURCE,)) >= 1


@FK_TO
def test_hook_loaded_constraints(project, first_build):
    rows = project.sql(
        "SELECT model, constraint_type, columns, to_model, to_columns, expression, level, name "
        "FROM dbt_contract.constraints WHERE version IS NULL")
    kinds = {(m, t, l) for m, t, *_, l, _ in rows}
    for t in ("not_null", "unique", "primary_key", "foreign_key", "check", "custom"):
        assert any(k[1] == t and k[2] == "column" for k in kinds), t
    for t in ("unique", "primary_key", "foreign_key", "check", "custom", "not_null"):
        assert any(k[1] == t and k[2] == "model" for k in kinds), t
    fks = {(m, tuple(c)): (tm, tuple(tc or ()), e) for m, t, c, tm, tc, e, *_ in rows
           if t == "foreign_key"}
    # `to: ref(...)` resolved to models, column and model level
    assert fks[("dim_customers", ("region_code",))][:2] == ("dim_regions", ("region_code",))
    assert fks[("fct_orders", ("customer_id",))][:2] == ("dim_customers", ("customer_id",))
    assert fks[("fct_orders", ("status",))][:2] == ("dim_order_statuses", ("status",))
    # the legacy expression, as dbt rendered it ({{ target.schema }})
    assert fks[("fct_payments", ("order_id",))][2] == "analytics.fct_orders (order_id)"
    # the quoted column keeps its case
    assert ("dim_customers", "not_null", ["Customer Name"]) in [
        (m, t, c) for m, t, c, *_ in rows]
    # the description that holds the first dollar-quote tag arrived intact
    assert project.value("SELECT description FROM dbt_contract.models WHERE model = 'fct_payments'") \
        == "One row per payment (\u20ac, 'card' or \"bank\"), C:\\x; never $dbt_contract_0$ nor $$."
    # the merge key (<<: *customer_id_column) carried name and type
    assert project.value(
        "SELECT formatted_type FROM dbt_contract.columns "
        "WHERE model = 'fct_orders' AND column_name = 'customer_id'") == "integer"


def test_hook_loaded_tests_and_relationships(project, first_build):
    tests = project.sql("SELECT model, test_name, columns, arguments FROM dbt_contract.tests")
    names = {(m, t, tuple(c)) for m, t, c, _ in tests}
    assert ("fct_orders", "unique", ("order_id",)) in names
    assert ("fct_orders", "not_null", ("customer_id",)) in names
    rel = [a for m, t, c, a in tests if m == "fct_orders" and t == "relationships"]
    assert rel == [{"to": "ref('dim_customers')", "field": "customer_id"}]
    # relationships from constraints, tests and the catalog, all enforced
    rows = project.sql("SELECT from_relation, to_relation, enforced FROM dbt_contract.relationships")
    got = {(f, t): e for f, t, e in rows}
    assert got[("analytics.dim_customers", "analytics_geo.regions")] is True
    assert got[("analytics.fct_payments", "analytics.fct_orders")] is True
    assert got[("analytics.fct_orders", "analytics.dim_customers")] is True


def test_relations_match_contracts(project, first_build):
    assert violations(project) == []
    for rel in RELATIONS.values():
        assert project.value("SELECT to_regclass(%s) IS NOT NULL", (rel,)), rel
    # the database now refuses what dbt would have refused
    assert project.value("SELECT count(*) FROM analytics.fct_orders") == 24


@FK_TO
def test_manifest_json_gives_the_same_contracts(project, first_build):
    """The manifest alternative: target/manifest.json (with `to` compiled to
    relation names) applied under the same source, for the same target,
    changes nothing."""
    with open(project.path("target/manifest.json")) as f:
        manifest = f.read()
    assert '"to": "\\"dbt_e2e_s1\\".\\"analytics\\".\\"dim_customers\\""' in manifest
    before = project.sql("SELECT model, version, constraint_type, columns, to_model, to_columns, level "
                         "FROM dbt_contract.constraints ORDER BY 1, 2, 3, columns::text, level")
    rows = project.sql("SELECT model, version, relation, action "
                       "FROM dbt_contract_apply_manifest(%s::jsonb, %s, false, %s)",
                       (manifest, SOURCE, "analytics"))
    assert {(m, v): r for m, v, r, _ in rows} == RELATIONS
    after = project.sql("SELECT model, version, constraint_type, columns, to_model, to_columns, level "
                        "FROM dbt_contract.constraints ORDER BY 1, 2, 3, columns::text, level")
    assert after == before


# ref('m') at on-run-start and "db"."schema"."m" in manifest.json name the
# same model: applying one after the other changes nothing.
def test_manifest_json_after_the_hook_is_unchanged(project, first_build):
    with open(project.path("target/manifest.json")) as f:
        manifest = f.read()
    project.dbt("run-operation", "dbt_contract.apply")       # the hook's form again
    rows = project.sql("SELECT model, version, action "
                       "FROM dbt_contract_apply_manifest(%s::jsonb, %s, false, %s)",
                       (manifest, SOURCE, "analytics"))
    assert [r for r in rows if r[2] != "unchanged"] == []


def test_incremental_second_run(project, first_build):
    events = project.value("SELECT count(*) FROM analytics.fct_order_events")
    res = project.dbt("build")
    assert "Completed successfully" in res.output
    assert "incremental model analytics.fct_order_events" in res.output
    assert project.value("SELECT count(*) FROM analytics.fct_order_events") == events
    assert violations(project) == []


def test_append_new_columns(project, first_build):
    """A column added to the model and its contract reaches the incremental
    table through dbt's `alter table ... add column`, which the database
    lets through once the hook has applied the new contract."""
    sql = project.read("models/marts/fct_daily_revenue.sql")
    project.write("models/marts/fct_daily_revenue.sql", sql.replace(
        "as revenue\n",
        "as revenue,\n    count(p.order_id)::integer                 as payment_count\n"))
    yml = project.read("models/marts/_marts.yml")
    project.write("models/marts/_marts.yml", yml.replace(
        """          - type: check
            expression: "revenue >= 0"
""", """          - type: check
            expression: "revenue >= 0"
      - name: payment_count
        data_type: integer
"""))
    res = project.dbt("run", "-s", "fct_daily_revenue")
    assert "incremental model analytics.fct_daily_revenue" in res.output
    assert project.column_type("analytics.fct_daily_revenue", "payment_count") == "integer"
    assert project.value("SELECT count(*) FROM dbt_contract.columns "
                         "WHERE model = 'fct_daily_revenue'") == 4
    assert violations(project) == []


def test_full_refresh(project, first_build):
    res = project.dbt("build", "--full-refresh")
    assert "Completed successfully" in res.output
    assert violations(project) == []
    assert project.value("SELECT count(*) FROM analytics.fct_payments") == 36
    assert project.value("SELECT count(*) FROM analytics.fct_order_events") == 24
    # the table dbt rebuilt carries every declared constraint
    cons = project.sql("SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'analytics.fct_orders'::regclass ORDER BY 1, 2")
    assert {c for c, _ in cons} >= {"p", "f", "u", "c"}
