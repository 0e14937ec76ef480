--
-- load_yaml_features: YAML as dbt reads it (PyYAML SafeLoader, YAML 1.1):
-- anchors, aliases, merge keys, booleans, skipped keys, Jinja text,
-- enforced and disabled models.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT errors

--
-- Anchors and aliases: an anchored column reused in two models, anchored
-- constraint lists, an anchored config.  An alias shares the node, so
-- reusing a list that holds a primary_key on a second column gives that
-- model two column-level primary keys, which dbt rejects: the message
-- names both columns, since both have the same location.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: anchored_a
    columns:
      - name: id
        constraints: &pk
          - type: not_null
          - type: primary_key
      - name: other_id
        constraints: *pk
$$, 'anchors');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: anchored_a
    config: &contracted
      materialized: table
      contract: {enforced: true}
    columns:
      - &id_col
        name: id
        data_type: bigint
        description: Surrogate key
        constraints:
          - type: not_null
          - type: primary_key
      - name: label
        data_type: text
  - name: anchored_b
    config: *contracted
    columns:
      - *id_col
      - name: other_id
        data_type: bigint
        constraints: &nn [{type: not_null}]
      - name: third_id
        data_type: bigint
        constraints: *nn
$$, 'anchors');
SELECT m.model, m.materialized, m.enforced, c.column_name, c.formatted_type, c.description
  FROM dbt_contract.models m JOIN dbt_contract.columns c USING (model)
 WHERE m.source = 'anchors' ORDER BY model COLLATE "C", ordinal;
SELECT model, constraint_type, columns FROM dbt_contract.constraints
 WHERE model LIKE 'anchored%' ORDER BY model COLLATE "C", columns::text COLLATE "C", constraint_type COLLATE "C";

--
-- Merge keys: <<: *base copies keys; explicit keys win over merged ones;
-- with a list of merges the earlier mapping wins; merges nest.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
x-columns:
  base: &base
    name: base_name
    data_type: int
    description: from base
  text_col: &text_col
    data_type: text
    description: from text_col
  quoted: &quoted
    quote: true
    description: from quoted
  nested: &nested
    <<: *text_col
    description: from nested
models:
  - name: merged
    config:
      <<: {materialized: view, alias: merged_rel}
      alias: merged_explicit
      contract: {enforced: true}
    columns:
      - <<: *base
      - <<: *base
        name: explicit_name
        description: explicit wins
      - <<: [*text_col, *base]
        name: first_of_list_wins
      - <<: [*quoted, *text_col]
        name: MixedCase
      - <<: *nested
        name: nested_merge
      - name: explicit_then_merge
        data_type: date
        <<: *base
$$, 'merge');
SELECT m.relation_name, m.materialized, c.column_name, c.data_type, c.description, c.quoted
  FROM dbt_contract.models m JOIN dbt_contract.columns c USING (model)
 WHERE model = 'merged' ORDER BY ordinal;

--
-- The top-level anchors: key (dbt >= 1.10) only holds anchors; other
-- unknown top-level keys are ignored too.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
anchors:
  - &ts_col {name: updated_at, data_type: timestamptz}
  - &flag_col
    name: is_active
    data_type: boolean
    constraints: [{type: not_null}]
something_else: {whatever: [1, 2, 3]}
models:
  - name: uses_anchors_key
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int}
      - *ts_col
      - *flag_col
$$, 'anchors_key');
SELECT column_name, formatted_type FROM dbt_contract.columns
 WHERE model = 'uses_anchors_key' ORDER BY ordinal;
SELECT model FROM dbt_contract.models WHERE source = 'anchors_key';

--
-- YAML 1.1 booleans: yes/no, on/off, true/false in three casings, as
-- PyYAML reads them; quoted, they are text (and so are rejected here).
--
SELECT model, relation FROM dbt_contract_apply_yaml($$
version: 2
models:
  - {name: b_yes,   config: {contract: {enforced: yes}},   columns: [{name: c, data_type: int, quote: Yes}]}
  - {name: b_no,    config: {contract: {enforced: no}},    columns: [{name: c, data_type: int, quote: NO}]}
  - {name: b_on,    config: {contract: {enforced: on}},    columns: [{name: c, data_type: int, quote: On}]}
  - {name: b_off,   config: {contract: {enforced: off}},   columns: [{name: c, data_type: int, quote: OFF}]}
  - {name: b_true,  config: {contract: {enforced: TRUE}},  columns: [{name: c, data_type: int, quote: True}]}
  - {name: b_false, config: {contract: {enforced: False}}, columns: [{name: c, data_type: int, quote: false}]}
  - {name: b_tag,   config: {contract: {enforced: !!bool "true"}}, columns: [{name: c, data_type: int}]}
  - {name: b_alias, config: {contract: {enforced: true, alias_types: no}}, columns: [{name: c, data_type: text}]}
$$, 'booleans');
SELECT m.model, m.enforced, k.alias_types, c.quoted
  FROM dbt_contract.models m
  JOIN dbt_contract.contract_model k USING (model)
  JOIN dbt_contract.columns c USING (model)
 WHERE m.source = 'booleans' ORDER BY m.model COLLATE "C";
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - {name: b_quoted, config: {contract: {enforced: "yes"}}}
$$, 'booleans_bad');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - {name: b_tagged_str, columns: [{name: c, quote: !!str on}]}
$$, 'booleans_bad');
\echo SQLSTATE :SQLSTATE

--
-- Keys the loader does not use are skipped without being read, so
-- anything may sit under them, including an alias bomb (10^9 nodes if
-- expanded).  It must load at once.
--
SET statement_timeout = '10s';
SELECT * FROM dbt_contract_apply('test/fixtures/yaml_features/skipped_keys.yml');
RESET statement_timeout;
SELECT column_name, formatted_type, description FROM dbt_contract.columns
 WHERE model = 'skipped_keys_model' ORDER BY ordinal;
SELECT count(*) AS tests FROM dbt_contract.tests WHERE model = 'skipped_keys_model';

--
-- Jinja is not rendered: descriptions, custom constraint expressions,
-- refs and test arguments are stored as written.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: jinja_model
    description: "{{ doc('jinja_model') }}"
    config: {alias: "{{ var('jinja_alias', 'jinja_rel') }}"}
    constraints:
      - type: custom
        expression: "exclude using gist (span with &&) {{ config.get('x') }}"
      - type: foreign_key
        columns: [parent_id]
        to: "{{ ref('jinja_parent') }}"
        to_columns: [id]
    columns:
      - name: parent_id
        description: '{% if target.name == "prod" %}live{% else %}dev{% endif %}'
        data_tests:
          - accepted_values:
              values: ["{{ var('a') }}", b]
              config:
                where: "created_at > '{{ var(\"since\") }}'"
$$, 'jinja');
SELECT model, relation_name, description FROM dbt_contract.models WHERE model = 'jinja_model';
SELECT column_name, description FROM dbt_contract.columns WHERE model = 'jinja_model';
SELECT constraint_type, expression, to_model, to_columns FROM dbt_contract.constraints
 WHERE model = 'jinja_model' ORDER BY constraint_type COLLATE "C";
SELECT test_name, columns, arguments FROM dbt_contract.tests WHERE model = 'jinja_model';

--
-- Scalars in every style keep their text: block literals and folds,
-- escapes, non-ASCII, numbers used as descriptions.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: scalar_styles
    description: |
      Line one
      Line two
    columns:
      - name: folded
        description: >
          folded
          into one line
      - name: escaped
        description: "tab\there, quote \" and unicode \u00e9"
      - name: single
        description: 'it''s single-quoted'
      - name: unicode_naïve
        description: Ünïcödé ✓
      - name: numeric_text
        description: 1.50
      - name: "123"
        description: 0x1F
$$, 'scalars');
SELECT description FROM dbt_contract.models WHERE model = 'scalar_styles';
SELECT column_name, description FROM dbt_contract.columns
 WHERE model = 'scalar_styles' ORDER BY ordinal;

--
-- Contracts that are not enforced load with enforced = false (their
-- columns, tests and constraints are still useful); disabled models
-- (config: enabled: false) are skipped entirely.
--
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: enforced_absent
    columns: [{name: id}]
  - name: enforced_false
    config: {contract: {enforced: false}}
    columns: [{name: id, constraints: [{type: not_null}]}]
  - name: contract_without_enforced
    config: {contract: {alias_types: true}}
    columns: [{name: id, data_type: string}]
  - name: disabled_model
    config: {enabled: false, contract: {enforced: true}}
  - name: disabled_no
    config: {enabled: no}
    columns: [{name: id}]
  - name: enabled_model
    config: {enabled: true}
    columns: [{name: id}]
$$, 'enforcement');
SELECT model, enforced, materialized FROM dbt_contract.models
 WHERE source = 'enforcement' ORDER BY model COLLATE "C";
-- A disabled model is not validated either: it may be incomplete.
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'disabled%';
