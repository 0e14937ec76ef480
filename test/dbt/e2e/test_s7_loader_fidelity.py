"""S7: what the hook sends reads as a schema.yml apply reads it, where dbt
is particular: a .inf / .nan test argument (Python's json would write a
bare Infinity, which PostgreSQL refuses) arrives as the strings Infinity,
-Infinity and NaN; a column test of a model with quote_columns: true keeps
the quoted column dbt hands it, so the key is the exact name; the
package's SQL string literals read alike with standard_conforming_strings
off."""
import os

import pytest

from dbtsuite import Project, fresh_database

DB = "dbt_e2e_s7"

MODEL_YML = """version: 2
models:
  - name: rpt_fidelity
    quote_columns: true
    columns:
      - name: OrderId
        data_tests:
          - unique
          - not_null
          - fidelity_args:
              arguments: {hi: .inf, lo: -.inf, nothing: .nan, text: "NaN here"}
"""

PROBE_MACRO = """{% macro literal_probe(text) %}
  {% set seen = [] %}
  {% for scs in ['off', 'on'] %}
    {% do run_query("set standard_conforming_strings = " ~ scs) %}
    {% do seen.append(run_query("select " ~ dbt_contract.literal(text)).columns[0].values()[0]) %}
  {% endfor %}
  {{ log("probe[" ~ seen | join("][") ~ "]", info=True) }}
{% endmacro %}
"""

TEST_MACRO = """{% test fidelity_args(model, column_name, hi, lo, nothing, text) %}
select 1 where false
{% endtest %}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    fresh_database(DB)
    p = Project(str(tmp_path_factory.mktemp("s7")), DB)
    p.write("models/reports/rpt_fidelity.sql", 'select 1 as "OrderId"\n')
    p.write("models/reports/_fidelity.yml", MODEL_YML)
    os.makedirs(p.path("macros"), exist_ok=True)
    p.write("macros/fidelity_args.sql", TEST_MACRO)
    p.write("macros/literal_probe.sql", PROBE_MACRO)
    p.dbt("run-operation", "dbt_contract.apply")
    yield p
    p.close()


def test_infinite_arguments_are_strings(project):
    args = project.value("SELECT arguments FROM dbt_contract.tests "
                         "WHERE model = 'rpt_fidelity' AND test_name = 'fidelity_args'")
    assert args == {"hi": "Infinity", "lo": "-Infinity", "nothing": "NaN",
                    "text": "NaN here"}


def test_quote_columns_keeps_the_exact_name(project):
    cols = project.sql("SELECT test_name, columns FROM dbt_contract.tests "
                       "WHERE model = 'rpt_fidelity' ORDER BY test_name")
    assert cols == [("fidelity_args", ['"OrderId"']), ("not_null", ['"OrderId"']),
                    ("unique", ['"OrderId"'])]
    assert project.value("SELECT key_columns FROM dbt_contract.keys "
                         "WHERE model = 'rpt_fidelity' AND is_primary") == ["OrderId"]


def test_package_literals_survive_standard_conforming_strings_off(project):
    # the package's SQL string literals (source and target names) read the
    # same whatever the session's standard_conforming_strings
    text = "a\\b'c"
    res = project.dbt("run-operation", "literal_probe", "--args",
                      '{"text": "a\\\\b\'c"}')
    assert f"probe[{text}][{text}]" in res.output, res.tail()
