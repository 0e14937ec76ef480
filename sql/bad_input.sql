--
-- bad_input: every kind of wrong input gives a clear ERROR that names the
-- place (file:line:col, model, column) and carries a fitting SQLSTATE; and
-- none of them changes the catalog.
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
\set VERBOSITY default
\set SHOW_CONTEXT errors

CREATE TEMP TABLE bad_snap AS SELECT * FROM regress_catalog();
SELECT count(*) > 0 AS have_rows FROM bad_snap;

------------------------------------------------------------------------
-- YAML syntax
------------------------------------------------------------------------

-- 1. malformed YAML: a key indented less than its siblings
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
   columns: []
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 2. tab indentation
SELECT * FROM dbt_contract_apply_yaml(E'version: 2\nmodels:\n\t- name: a\n', 'bad');
\echo SQLSTATE :SQLSTATE

-- 3. unclosed quote
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: "a
    description: never closed
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 4. unclosed flow mapping
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: x, data_type: int]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 5. unclosed flow sequence at the end of the text
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models: [{name: a}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 6. multiple YAML documents in one file
SELECT * FROM dbt_contract_apply('test/fixtures/bad/two_documents.yml');
\echo SQLSTATE :SQLSTATE

-- 7. invalid UTF-8 (Latin-1 bytes) in a file
SELECT * FROM dbt_contract_apply('test/fixtures/bad/invalid_utf8.yml');
\echo SQLSTATE :SQLSTATE

-- 8. invalid UTF-8 (an overlong encoding of '/')
SELECT * FROM dbt_contract_apply('test/fixtures/bad/overlong_utf8.yml');
\echo SQLSTATE :SQLSTATE

-- 9. NUL through a "\0" escape
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: "nul\0inside"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 10. mapping keys that are not scalars (PyYAML: unhashable key)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - {name: x, [data_type]: int}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 11. ... even under a key that is otherwise skipped
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
sources:
  - {name: s, meta: {? {a: 1} : b}}
models: []
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Anchors, aliases and size limits
------------------------------------------------------------------------

-- 12. recursive alias: a list that contains itself
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    meta: &a [*a]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 13. undefined alias
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: *no_such_anchor
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 14. merge key on something that is not a mapping
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      <<: table
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 15. alias bomb in a part that is read (test arguments): the node budget
-- stops it
SET statement_timeout = '20s';
SELECT * FROM dbt_contract_apply('test/fixtures/bad/bomb_in_arguments.yml');
\echo SQLSTATE :SQLSTATE
RESET statement_timeout;

-- 16. nesting deeper than 100 levels
SELECT * FROM dbt_contract_apply_yaml(
    'version: 2' || chr(10) || 'meta: ' || repeat('[', 150) || repeat(']', 150), 'bad');
\echo SQLSTATE :SQLSTATE

-- 17. a file over dbt_contract.max_file_size
SET dbt_contract.max_file_size = '1kB';
SELECT * FROM dbt_contract_apply('test/fixtures/jaffle/models/marts/schema.yml');
\echo SQLSTATE :SQLSTATE

-- 18. inline text over dbt_contract.max_file_size
SELECT * FROM dbt_contract_apply_yaml('version: 2' || chr(10) || '# ' || repeat('x', 2000), 'bad');
\echo SQLSTATE :SQLSTATE
RESET dbt_contract.max_file_size;

------------------------------------------------------------------------
-- Files, directories and arguments
------------------------------------------------------------------------

-- 19. missing file (relative to dbt_contract.project_dir, which the detail
-- names; regress_masked shows it as <srcdir>)
SELECT * FROM regress_masked($$
  SELECT * FROM dbt_contract_apply('test/fixtures/bad/no_such_file.yml')$$)
  AS t(model text, version text, relation text, action text, columns int, constraints int);
\echo SQLSTATE :SQLSTATE

-- 20. nonexistent directory, absolute path
SELECT * FROM dbt_contract_apply('/nonexistent/dbt_contract/models');
\echo SQLSTATE :SQLSTATE

-- 21. a directory the server may not read (made here, mode 000)
\set abs_builddir `echo "${PG_ABS_BUILDDIR:-$PWD}"`
\set unreadable_dir :abs_builddir '/results/bad_input_unreadable'
\setenv UNREADABLE_DIR :unreadable_dir
\! rm -rf "$UNREADABLE_DIR" && mkdir "$UNREADABLE_DIR" && chmod 000 "$UNREADABLE_DIR"
SELECT * FROM regress_masked(format('SELECT * FROM dbt_contract_apply(%L)', :'unreadable_dir'),
                             :'abs_builddir')
  AS t(model text, version text, relation text, action text, columns int, constraints int);
\echo SQLSTATE :SQLSTATE
\! chmod 755 "$UNREADABLE_DIR" && rmdir "$UNREADABLE_DIR"

-- 22. directory with no YAML file (a README and a .yml.bak)
SELECT * FROM dbt_contract_apply('test/fixtures/bad/no_yaml');
\echo SQLSTATE :SQLSTATE

-- 23. an error in a file deep in a directory names that file
SELECT * FROM dbt_contract_apply('test/fixtures/bad/nested_error');
\echo SQLSTATE :SQLSTATE

-- 24. path NULL
SELECT * FROM dbt_contract_apply(NULL);
\echo SQLSTATE :SQLSTATE

-- 25. yaml NULL
SELECT * FROM dbt_contract_apply_yaml(NULL, 'bad');
\echo SQLSTATE :SQLSTATE

-- 26. source NULL
SELECT * FROM dbt_contract_apply_yaml('version: 2', NULL);
\echo SQLSTATE :SQLSTATE

-- 27. empty source name
SELECT * FROM dbt_contract_apply_yaml('version: 2', '');
\echo SQLSTATE :SQLSTATE

-- 28. empty target_schema
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'bad', '');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Document shape
------------------------------------------------------------------------

-- 29. unsupported properties file version
SELECT * FROM dbt_contract_apply_yaml($$
version: 1
models: []
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 30. top level is a list
SELECT * FROM dbt_contract_apply_yaml($$
- version: 2
- models: []
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 31. top level is a scalar
SELECT * FROM dbt_contract_apply_yaml('just some words', 'bad');
\echo SQLSTATE :SQLSTATE

-- 32. models is a mapping, not a list
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  name: a
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 33. a model entry is not a mapping
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - a
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 34. a model without a name
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - description: nameless
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 35. a boolean where a string is expected (YAML 1.1 reads yes as true)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: yes
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 36. a string where a boolean is expected
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      contract:
        enforced: maybe
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 37. a scalar where a mapping is expected
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: table
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 38. contract: written as a bare boolean
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      contract: true
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 39. columns is not a list
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      id: {data_type: int}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 40. a column that is not a mapping
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - id
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 41. a column without a name
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
      - data_type: int
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 42. duplicate column names (unquoted names fold to lower case)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: Id
      - name: amount
      - name: ID
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 43. duplicate model in one apply
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
  - name: b
  - name: a
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 44. model already defined by another source
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: inline_model
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 45. version not an integer: a version like any other, as in dbt
-- (relation a_vtwo; the versions suite has the rules)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    versions:
      - v: two
$$, 'bad_versions');
\echo SQLSTATE :SQLSTATE

-- 46. version negative: dbt builds a_v-1
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    versions:
      - v: -1
$$, 'bad_versions');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_yaml('version: 2', 'bad_versions');

-- 47. latest_version not an integer
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    latest_version: [1]
    versions:
      - v: 1
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Types
------------------------------------------------------------------------

-- 48. unknown data type (an enforced contract needs PostgreSQL types;
-- without one they are stored unresolved, see load_fidelity)
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integr
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 49. serial is not a type
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: serial
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 50. pseudo-type record
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: r
        data_type: record
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 51. pseudo-type void
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: v
        data_type: void
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 52. SQL smuggled into a type name
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: "int); drop table important; --"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 53. an impossible type modifier
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: code
        data_type: varchar(0)
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 54. a type in a schema that does not exist
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config: {contract: {enforced: true}}
    columns:
      - name: code
        data_type: no_such_schema.code_type
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 55. data_type written as a list
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: code
        data_type: [text]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Constraints
------------------------------------------------------------------------

-- 56. unknown constraint type
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        constraints:
          - type: primary
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 57. constraint without a type
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    constraints:
      - columns: [id]
    columns: [{name: id}]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 58. constraint written as a bare string
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        constraints: [not_null]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 59. check expression that tries to end the statement
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        data_type: int
        constraints:
          - type: check
            expression: "); drop table x; --"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 60. check with two expressions
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        data_type: int
        constraints:
          - type: check
            expression: "id > 0, id < 10"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 61. check with a second statement
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        data_type: int
        constraints:
          - type: check
            expression: "id > 0; select pg_sleep(10)"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 62. check with a FROM clause
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id, data_type: int}]
    constraints:
      - type: check
        name: ck_from
        expression: "id > 0 from pg_class"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 63. check with an alias
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id, data_type: int}]
    constraints:
      - type: check
        expression: "id > 0 as positive"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 64. check that is a star
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id, data_type: int}]
    constraints:
      - type: check
        expression: "a.*"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 65. check ending in a comment, which would swallow dbt's closing ")"
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        data_type: int
        constraints:
          - type: check
            expression: "id > 0 -- must be positive"
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 66. check without an expression: dbt builds without it, so a WARNING
-- (load_fidelity); the dry run shows it without storing anything
SELECT * FROM dbt_contract_diff_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        constraints:
          - type: check
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 67. custom constraint without an expression: dbt builds without it, so a WARNING
-- (load_fidelity); the dry run shows it without storing anything
SELECT * FROM dbt_contract_diff_yaml($$
version: 2
models:
  - name: a
    constraints:
      - type: custom
        expression: ""
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 68. foreign key with neither to nor expression
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: parent_id
        constraints:
          - type: foreign_key
            to_columns: [id]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 69. foreign key to something that is not ref() or source()
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: parent_id
        constraints:
          - type: foreign_key
            to: analytics.parents
            to_columns: [id]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 70. foreign key with a malformed ref()
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: parent_id
        constraints:
          - type: foreign_key
            to: ref('parents', v=)
            to_columns: [id]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 71. to_columns count does not match columns
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: p1}, {name: p2}]
    constraints:
      - type: foreign_key
        columns: [p1, p2]
        to: ref('parents')
        to_columns: [id]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 72. to_columns is not a list
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: p1}]
    constraints:
      - type: foreign_key
        columns: [p1]
        to: ref('parents')
        to_columns: {id: 1}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 73. model-level primary key without columns
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id}]
    constraints:
      - type: primary_key
        name: pk_a
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 74. model-level constraint naming a column the contract does not have
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id}, {name: amount}]
    constraints:
      - type: unique
        columns: [id, amount, currency]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 75. two column-level primary keys
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        constraints: [{type: primary_key}]
      - name: tenant_id
        constraints: [{type: primary_key}]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 76. two model-level primary keys
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: id}, {name: tenant_id}]
    constraints:
      - {type: primary_key, columns: [id]}
      - {type: primary_key, columns: [tenant_id]}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 77. primary key at both model and column level
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        constraints: [{type: primary_key}]
    constraints:
      - {type: primary_key, columns: [id]}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 78. a column list entry that YAML 1.1 reads as a boolean
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns: [{name: "on"}, {name: id}]
    constraints:
      - {type: unique, columns: [id, on]}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Enforced contracts
------------------------------------------------------------------------

-- 79. enforced without columns
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      contract: {enforced: true}
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 80. enforced with a column that has no data_type
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
      - name: label
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 81. incremental and enforced without on_schema_change
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      materialized: incremental
      contract: {enforced: true}
    columns: [{name: id, data_type: int}]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 82. incremental and enforced with an on_schema_change dbt refuses
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    config:
      materialized: incremental
      on_schema_change: sync_all_columns
      contract: {enforced: true}
    columns: [{name: id, data_type: int}]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- Data tests
------------------------------------------------------------------------

-- 83. both tests and data_tests
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    columns:
      - name: id
        tests: [unique]
        data_tests: [not_null]
$$, 'bad');
\echo SQLSTATE :SQLSTATE

-- 84. an empty entry in a test list
SELECT * FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: a
    data_tests:
      - dbt_utils.recency: {datepart: day, field: at, interval: 1}
      -
$$, 'bad');
\echo SQLSTATE :SQLSTATE

------------------------------------------------------------------------
-- After all of that, the catalog is exactly as before.
------------------------------------------------------------------------
SELECT * FROM regress_catalog_diff('bad_snap');
SELECT count(*) FROM dbt_contract.contract_source WHERE source = 'bad';
