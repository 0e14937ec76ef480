"""S16: the hook sends only what changed (a delta apply).

After a first build, a run whose contracts changed sends the models whose
per-model checksum differs from the one stored in dbt_contract.sources
(widened to the models they depend on and those depending on them) and
keeps the others as stored (metadata.dbt_contract_keep):

  * one model's contract changed, another model run: the change is stored,
    every other model keeps its rows (model_id), and a full sync
    afterwards finds nothing to change, so the delta stored what a full
    apply would;
  * a change only to a model's persist_docs is sent (it is part of the
    model's md5);
  * a model removed from the project is removed from the catalog, as with
    a full apply;
  * dbt parsing a model again without a contract change (its SQL edited)
    sends no contract and records no apply: the hook stores its new parse
    fingerprint, and the next run stops at that fingerprint (one query);
  * the artifacts stay small (no payload in run_results.json or target/)."""
import os

import pytest

from dbtsuite import SOURCE, Project, fresh_database

DB = "dbt_e2e_s16"
MARTS = "models/marts/_marts.yml"
REPORTS = "models/reports/_reports.yml"
TARGET = "analytics"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s16")), DB)
    p.dbt("build", target="prod")
    yield p
    p.close()


def model_ids(project):
    return dict(((m, v), i) for m, v, i in project.sql(
        "SELECT model, version, model_id FROM dbt_contract.contract_model "
        "WHERE target = %s AND source = %s", (TARGET, SOURCE)))


def last_apply(project):
    return project.sql(
        "SELECT apply_id, added, changed, removed, unchanged FROM dbt_contract.history "
        "WHERE target = %s AND source = %s ORDER BY apply_id DESC LIMIT 1", (TARGET, SOURCE))[0]


def run_logged(project, *args):
    """dbt with a fresh logs/dbt.log; the result and the log's text."""
    log = project.path("logs/dbt.log")
    if os.path.exists(log):
        os.remove(log)
    res = project.dbt(*args, target="prod")
    with open(log) as f:
        return res, f.read()


def test_first_build_stores_model_checksums(project):
    sums = project.value("SELECT model_checksums FROM dbt_contract.sources "
                         "WHERE source = %s AND target = %s", (SOURCE, TARGET))
    assert sums and "dbt_contract:globals" in sums
    marks = ("dbt_contract:globals", "dbt_contract:stamps", "dbt_contract:parsed_at")
    models = [k for k in sums if k not in marks]
    assert len(models) == len(model_ids(project)) == len(sums["dbt_contract:stamps"])
    assert isinstance(sums["dbt_contract:parsed_at"], float)


def test_one_changed_model_is_sent_alone(project):
    text = project.read(MARTS)
    before = model_ids(project)
    try:
        project.write(MARTS, text.replace(
            "description: Sales regions; custom schema",
            "description: Sales regions (changed); custom schema", 1))
        res, log = run_logged(project, "run", "-s", "stg_orders")
        assert "dbt_contract_keep" in log, "the hook sent a full apply"
        assert project.value(
            "SELECT description FROM dbt_contract.models WHERE target = %s "
            "AND model = 'dim_regions'", (TARGET,)).startswith("Sales regions (changed)")
        _, added, changed, removed, unchanged = last_apply(project)
        assert (added, changed, removed) == (0, 1, 0)
        after = model_ids(project)
        assert after.keys() == before.keys()
        assert [k for k in before if before[k] != after[k]] == [("dim_regions", None)]
        with open(project.path("target/run_results.json")) as f:
            results = f.read()
        assert "dbt_contract_apply_manifest" not in results and len(results) < 10_000
        # a full sync of the same project finds nothing to change
        project.dbt("run-operation", "dbt_contract.apply", target="prod")
        assert last_apply(project)[1:4] == (0, 0, 0)
        assert model_ids(project) == after
    finally:
        project.write(MARTS, text)
    project.dbt("run", "-s", "stg_orders", target="prod")
    assert project.value(
        "SELECT description FROM dbt_contract.models WHERE target = %s "
        "AND model = 'dim_regions'", (TARGET,)).startswith("Sales regions; custom schema")


def test_persist_docs_alone_is_sent(project):
    text = project.read(MARTS)
    docs = ("SELECT persist_relation_docs FROM dbt_contract.models WHERE target = %s "
            "AND model = 'dim_regions'")
    assert project.value(docs, (TARGET,)) is False
    try:
        project.write(MARTS, text.replace(
            "      schema: geo\n      alias: regions\n",
            "      schema: geo\n      alias: regions\n      persist_docs: {relation: true}\n", 1))
        _, log = run_logged(project, "run", "-s", "stg_orders")
        assert "dbt_contract_keep" in log, "the hook sent a full apply"
        assert project.value(docs, (TARGET,)) is True
        assert last_apply(project)[1:4] == (0, 1, 0)
    finally:
        project.write(MARTS, text)
    project.dbt("run", "-s", "stg_orders", target="prod")
    assert project.value(docs, (TARGET,)) is False


def test_reparse_without_change_sends_nothing(project):
    sql = project.read("models/reports/rpt_status_counts.sql")
    checksum = "SELECT checksum FROM dbt_contract.sources WHERE source = %s AND target = %s"
    before = last_apply(project)
    stored = project.value(checksum, (SOURCE, TARGET))
    try:
        project.write("models/reports/rpt_status_counts.sql", sql + "\n-- edited\n")
        _, log = run_logged(project, "run", "-s", "stg_orders")
        assert "dbt_contract_apply_manifest" in log  # the fingerprint was stored
        assert last_apply(project) == before, "a fingerprint refresh was recorded as an apply"
        refreshed = project.value(checksum, (SOURCE, TARGET))
        assert refreshed != stored
        # nothing parsed again: one query, no per-model checksums read
        _, log = run_logged(project, "run", "-s", "stg_orders")
        assert "select checksum from dbt_contract.sources" in log
        assert "model_checksums::text" not in log and "dbt_contract_apply_manifest" not in log
        assert project.value(checksum, (SOURCE, TARGET)) == refreshed
        assert last_apply(project) == before
    finally:
        project.write("models/reports/rpt_status_counts.sql", sql)


def test_removed_model_is_removed(project):
    text = project.read(REPORTS)
    sql = project.read("models/reports/rpt_status_counts.sql")
    start = text.index("  - name: rpt_status_counts")
    end = text.find("\n  - name:", start + 1)
    try:
        project.write(REPORTS, text[:start] + (text[end + 1:] if end > 0 else ""))
        os.remove(project.path("models/reports/rpt_status_counts.sql"))
        _, log = run_logged(project, "run", "-s", "stg_orders")
        assert "dbt_contract_keep" in log, "the hook sent a full apply"
        assert ("rpt_status_counts", None) not in model_ids(project)
        assert last_apply(project)[1:4] == (0, 0, 1)
        project.dbt("run-operation", "dbt_contract.apply", target="prod")
        assert last_apply(project)[1:4] == (0, 0, 0)
    finally:
        project.write(REPORTS, text)
        project.write("models/reports/rpt_status_counts.sql", sql)
    project.dbt("run", "-s", "rpt_status_counts", target="prod")
    assert ("rpt_status_counts", None) in model_ids(project)
