"""S5: contracts generated from the live database.  The relations of
test/fixtures/generate (every type family, composite and self-referencing
keys, quoted names, comments with quotes, newlines and unicode, views,
partitioned tables, a versioned pair) are created; the package's
run-operation prints dbt_contract_generate's YAML; PyYAML reads back
exactly the catalog's strings; real dbt parses it without a warning; and
applying it to the same relations leaves nothing for verify to report."""
import json
import os
import subprocess

import pytest
import yaml

from dbtsuite import DBT, REPO, Project, fresh_database, needs_dbt

DB = "dbt_e2e_s5"
SCHEMA = "gen"
FIXTURES = os.path.join(REPO, "test", "fixtures", "generate")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s5")), DB, env={"DBT_SCHEMA": SCHEMA})
    for f in ("types.sql", "relations.sql"):
        with open(os.path.join(FIXTURES, f)) as fh:
            p.sql(fh.read())
    yield p
    p.close()


def generated(project, **opts):
    args = "".join(f", {k} => {'true' if v else 'false'}" for k, v in opts.items())
    return project.value(f"SELECT dbt_contract_generate(schema => '{SCHEMA}'{args})")


def test_run_operation_prints_the_yaml(project):
    res = project.dbt("run-operation", "dbt_contract.generate", "--args", "{schema: gen}")
    printed = res.output[res.output.index("version: 2"):]
    assert printed.strip() == generated(project).strip()


def test_run_operation_for_models(project):
    # a relation where the project's model dim_customers would be built
    project.sql("CREATE TABLE gen.dim_customers (customer_id integer PRIMARY KEY, email text)")
    try:
        res = project.dbt("run-operation", "dbt_contract.generate",
                          "--args", "{models: [dim_customers]}")
        printed = res.output[res.output.index("version: 2"):]
        doc = yaml.safe_load(printed)
        assert [m["name"] for m in doc["models"]] == ["dim_customers"]
        assert [c["name"] for c in doc["models"][0]["columns"]] == ["customer_id", "email"]
        res = project.dbt("run-operation", "dbt_contract.generate",
                          "--args", "{models: [no_such_model]}", expect_ok=False)
        assert "no model of this project is named no_such_model" in res.output
    finally:
        project.sql("DROP TABLE gen.dim_customers")


@pytest.mark.parametrize("loader", ["SafeLoader", "CSafeLoader"])
def test_pyyaml_reads_back_the_catalog(project, loader):
    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML without {loader}")
    doc = yaml.load(generated(project), Loader=getattr(yaml, loader))
    models = {m["name"]: m for m in doc["models"]}
    rel = f'{SCHEMA}."MixedCase"'
    assert models["MixedCase"]["description"] == project.value(
        "SELECT obj_description(%s::regclass, 'pg_class')", (rel,))
    want = dict(project.sql(
        "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (rel,)))
    got = {c["name"]: c.get("description") for c in models["MixedCase"]["columns"]}
    assert got == want
    # every name and type is a string, as written in the catalog
    types = dict(project.sql(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'gen.all_types'::regclass AND attnum > 0 AND NOT attisdropped"))
    for c in models["all_types"]["columns"]:
        assert isinstance(c["name"], str) and types[c["name"]].endswith(c["data_type"].split(".")[-1])


@needs_dbt((1, 10), "dbt_contract_generate writes test arguments under `arguments:`")
def test_dbt_parses_without_warnings(project, tmp_path):
    text = generated(project, include_tests=True)
    doc = yaml.safe_load(text)
    root = tmp_path / "genproj"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: generated\nversion: '1.0'\nconfig-version: 2\nprofile: contract_e2e\n")
    (root / "models" / "schema.yml").write_text(text)
    for m in doc["models"]:
        files = ([f"{m['name']}_v{v['v']}" for v in m["versions"]] if "versions" in m
                 else [m["name"]])
        for f in files:
            (root / "models" / f"{f}.sql").write_text("select 1 as placeholder\n")
    env = dict(project.env, DBT_PROFILES_DIR=project.root)
    proc = subprocess.run([DBT, "parse", "--no-partial-parse"], cwd=root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "[WARNING]" not in proc.stdout and "WARN" not in proc.stdout, proc.stdout[-4000:]
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    orders = nodes["model.generated.orders"]
    assert orders["contract"]["enforced"] is True
    checks = {c["name"]: c["expression"] for c in orders["constraints"] if c["type"] == "check"}
    assert checks["even_parent"] == "gen.is_even(parent_order)"
    assert orders["columns"]["amount"]["data_type"] == "numeric(12,2)"
    assert nodes["model.generated.customers.v2"]["version"] == 2
    assert nodes["model.generated.MixedCase"]["columns"]["Id"]["quote"] is True
    tests = [n for n in nodes.values() if n["resource_type"] == "test"]
    assert any(t["test_metadata"]["name"] == "relationships" for t in tests)


def test_apply_then_verify_is_clean(project):
    rows = project.sql("SELECT model, action FROM dbt_contract_apply_yaml(%s, 'generated', %s)",
                       (generated(project), SCHEMA))
    assert len(rows) == 10 and {a for _, a in rows} == {"added"}
    assert project.sql("SELECT * FROM dbt_contract_verify()") == []
