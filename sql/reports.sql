--
-- reports: dbt_contract_verify() / dbt_contract.violations (every
-- discrepancy between enforced contracts and the live catalog),
-- dbt_contract_check(regclass) (the same for one relation),
-- dbt_contract_ddl (the CREATE TABLE a contract implies, round-tripped
-- through the enforcement trigger for every table model of the test
-- fixtures), dbt_contract_repair (adds what is missing, all or nothing)
-- and dbt_contract_omni_relationships (an Omni relationships file).
--
\set abs_srcdir `echo "${PG_ABS_SRCDIR:-$PWD}"`
SET dbt_contract.project_dir = :'abs_srcdir';
CREATE SCHEMA rep_v;

--
-- verify over a database mixing conforming, drifted and missing relations
--
SELECT model, version, relation, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  # conforming
  - name: rep_parent
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: code, data_type: text, constraints: [{type: unique}]}
  - name: rep_ok
    config: {contract: {enforced: true}}
    constraints:
      - type: foreign_key
        name: fk_ok_parent
        columns: [parent_id]
        to: ref('rep_parent')
        to_columns: [id]
      - {type: check, columns: [amount], expression: "amount >= 0"}
    columns:
      - {name: id, data_type: bigint, constraints: [{type: not_null}, {type: primary_key}]}
      - {name: parent_id, data_type: int}
      - {name: amount, data_type: 'numeric(12,2)'}
      - {name: Label, data_type: text, quote: true}
  # a foreign key to a quoted column
  - name: rep_qparent
    config: {contract: {enforced: true}}
    columns:
      - {name: Key, data_type: int, quote: true, constraints: [{type: unique}]}
  - name: rep_qchild
    config: {contract: {enforced: true}}
    columns:
      - name: ref_key
        data_type: int
        constraints:
          - {type: foreign_key, to: ref('rep_qparent'), to_columns: [Key]}
  - name: rep_view
    config: {materialized: view, contract: {enforced: true}}
    columns: [{name: id, data_type: int}, {name: label, data_type: text}]
  - name: rep_matview
    config: {materialized: materialized_view, contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  # missing
  - name: rep_missing
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  - name: rep_missing_view
    config: {materialized: view, contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  - name: rep_versioned
    latest_version: 2
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
    versions: [{v: 1}, {v: 2}]
  # drifted columns
  - name: rep_cols
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int}
      - {name: gone, data_type: text}
      - {name: retyped, data_type: varchar(20)}
  - name: rep_view_drift
    config: {materialized: view, contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  # drifted constraints
  - name: rep_cons
    config: {contract: {enforced: true}}
    constraints:
      - {type: check, name: ck_qty, columns: [qty], expression: "qty > 0"}
      - {type: check, columns: [price], expression: "price >= 0"}
      - {type: check, columns: [discount], expression: "discount <= price"}
      - {type: custom, columns: [qty], expression: "default 1"}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: code, data_type: text, constraints: [{type: unique}]}
      - {name: qty, data_type: int, constraints: [{type: not_null}]}
      - {name: price, data_type: numeric}
      - {name: discount, data_type: numeric}
      - {name: other, data_type: int}
  # something else under the contracted name
  - name: rep_kind
    config: {contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  # never verified: ephemeral, or not enforced
  - name: rep_ephemeral
    config: {materialized: ephemeral, contract: {enforced: true}}
    columns: [{name: id, data_type: int}]
  - name: rep_unenforced
    columns: [{name: id}]
$$, 'rep_verify', 'rep_v')
ORDER BY model COLLATE "C", version;

-- The conforming relations pass the enforcement trigger.
CREATE TABLE rep_v.rep_parent (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE rep_v.rep_ok (
    id bigint PRIMARY KEY,
    parent_id int CONSTRAINT fk_ok_parent REFERENCES rep_v.rep_parent (id),
    amount numeric(12,2) CHECK (amount >= 0),
    "Label" text);
CREATE TABLE rep_v.rep_qparent ("Key" int UNIQUE);
CREATE TABLE rep_v.rep_qchild (ref_key int REFERENCES rep_v.rep_qparent ("Key"));
CREATE VIEW rep_v.rep_view AS SELECT 1 AS id, 'x'::text AS label;
CREATE MATERIALIZED VIEW rep_v.rep_matview AS SELECT 1 AS id;
CREATE TABLE rep_v.rep_versioned_v1 (id int);

-- The drifted ones are what a hotfix with enforcement off leaves behind.
SET dbt_contract.enforcement = off;
CREATE TABLE rep_v.rep_cols (id int, retyped varchar(40), added date);
CREATE VIEW rep_v.rep_view_drift AS SELECT 'one'::text AS id;
CREATE TABLE rep_v.rep_cons (
    id int,
    code text,
    qty int CONSTRAINT ck_qty CHECK (qty >= 0),
    price numeric,
    other int UNIQUE);
CREATE SEQUENCE rep_v.rep_kind;
RESET dbt_contract.enforcement;

SELECT model, version, relation, object, problem, have, want
  FROM dbt_contract_verify()
 WHERE relation LIKE 'rep\_v.%'
 ORDER BY model COLLATE "C", version, problem COLLATE "C", object COLLATE "C";

-- The view shows the same rows.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE problem = 'relation missing') AS missing
  FROM dbt_contract.violations WHERE relation LIKE 'rep\_v.%';
(SELECT * FROM dbt_contract.violations EXCEPT ALL SELECT * FROM dbt_contract_verify())
UNION ALL
(SELECT * FROM dbt_contract_verify() EXCEPT ALL SELECT * FROM dbt_contract.violations);

-- dbt_contract_check(rel) has exactly verify's rows for rel.
SELECT c.relname,
       (SELECT count(*) FROM dbt_contract_check(c.oid)) AS check_rows,
       (SELECT count(*) FROM (SELECT * FROM dbt_contract_check(c.oid)
                              EXCEPT ALL
                              SELECT * FROM dbt_contract_verify()
                               WHERE relation = 'rep_v.' || quote_ident(c.relname)) d) AS not_in_verify
  FROM pg_class c
 WHERE c.relnamespace = 'rep_v'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S')
 ORDER BY c.relname COLLATE "C";
SELECT object, problem, have, want FROM dbt_contract_check('rep_v.rep_cols')
 ORDER BY problem COLLATE "C", object COLLATE "C";
-- dbt's intermediate relation is checked as its model
SET dbt_contract.enforcement = off;
CREATE TABLE rep_v.rep_cols__dbt_tmp (id text, gone text, retyped varchar(20));
RESET dbt_contract.enforcement;
SELECT model, relation, object, problem, have, want FROM dbt_contract_check('rep_v.rep_cols__dbt_tmp');
DROP TABLE rep_v.rep_cols__dbt_tmp;
-- a relation without a contract is an error; an unenforced contract has
-- nothing to verify
CREATE TABLE rep_v.no_contract (id int);
SELECT * FROM dbt_contract_check('rep_v.no_contract');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE rep_v.rep_unenforced (whatever text);
SELECT count(*) FROM dbt_contract_check('rep_v.rep_unenforced');

--
-- dbt rebuilds rep_parent: the old table goes with DROP ... CASCADE, and
-- with it rep_ok's foreign key (the drop trigger warns).  verify reports
-- the lost key; repair puts it back, pointing at the new table.
--
CREATE TABLE rep_v.rep_parent__dbt_tmp (id int PRIMARY KEY, code text UNIQUE);
ALTER TABLE rep_v.rep_parent RENAME TO rep_parent__dbt_backup;
ALTER TABLE rep_v.rep_parent__dbt_tmp RENAME TO rep_parent;
DROP TABLE rep_v.rep_parent__dbt_backup CASCADE;
SELECT model, object, problem, have, want FROM dbt_contract_verify()
 WHERE relation = 'rep_v.rep_ok';
SELECT model, relation, object, statement FROM dbt_contract_repair('rep_v.rep_ok');
SELECT count(*) AS problems_left FROM dbt_contract_check('rep_v.rep_ok');
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'fk_ok_parent';

--
-- repair adds what is missing and can be added without touching data:
-- keys first, then the foreign keys that may need them; it changes no
-- column and leaves a constraint whose name is taken.
--
SELECT model, relation, object, statement FROM dbt_contract_repair('rep_v.rep_cons')
 ORDER BY statement COLLATE "C";
SELECT object, problem, have, want FROM dbt_contract_check('rep_v.rep_cons')
 ORDER BY problem COLLATE "C", object COLLATE "C";
-- nothing left that repair could do
SELECT count(*) FROM dbt_contract_repair('rep_v.rep_cons');

-- A repair that fails validation undoes everything it did before.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rep_dirty_parent
    config: {contract: {enforced: true}}
    columns:
      - {name: code, data_type: text, constraints: [{type: unique}]}
  - name: rep_dirty
    config: {contract: {enforced: true}}
    constraints:
      - {type: unique, columns: [batch, line]}
    columns:
      - {name: id, data_type: int, constraints: [{type: not_null}]}
      - {name: batch, data_type: int}
      - {name: line, data_type: int}
      - name: parent_code
        data_type: text
        constraints:
          - {type: foreign_key, to: ref('rep_dirty_parent'), to_columns: [code]}
$$, 'rep_repair', 'rep_v')
ORDER BY model COLLATE "C";
SET dbt_contract.enforcement = off;
CREATE TABLE rep_v.rep_dirty_parent (code text);
CREATE TABLE rep_v.rep_dirty (id int, batch int, line int, parent_code text);
RESET dbt_contract.enforcement;
INSERT INTO rep_v.rep_dirty_parent VALUES ('a'), ('b');
INSERT INTO rep_v.rep_dirty VALUES (1, 1, 1, 'a'), (2, 1, 1, 'b');
SELECT relation, object, problem FROM dbt_contract_verify()
 WHERE relation LIKE 'rep\_v.rep\_dirty%'
 ORDER BY relation COLLATE "C", object COLLATE "C";
-- the duplicate (batch, line) fails the unique key: nothing is added
SELECT * FROM dbt_contract_repair();
\echo :LAST_ERROR_SQLSTATE
SELECT conrelid::regclass, conname FROM pg_constraint
 WHERE conrelid IN ('rep_v.rep_dirty'::regclass, 'rep_v.rep_dirty_parent'::regclass);
SELECT attname, attnotnull FROM pg_attribute
 WHERE attrelid = 'rep_v.rep_dirty'::regclass AND attname = 'id';
-- once the data is fixed, every step goes through, keys before the
-- foreign key that needs one
UPDATE rep_v.rep_dirty SET line = 2 WHERE id = 2;
SELECT model, relation, object, statement FROM dbt_contract_repair()
 WHERE relation LIKE 'rep\_v.%';
SELECT count(*) AS problems_left FROM dbt_contract_verify() WHERE relation LIKE 'rep\_v.rep\_dirty%';

-- repair runs as the caller, who must own the tables
SET dbt_contract.enforcement = off;
ALTER TABLE rep_v.rep_dirty DROP CONSTRAINT rep_dirty_batch_line_key;
RESET dbt_contract.enforcement;
CREATE ROLE regress_rep_stranger;
GRANT USAGE ON SCHEMA rep_v TO regress_rep_stranger;
SET ROLE regress_rep_stranger;
SELECT * FROM dbt_contract_repair('rep_v.rep_dirty');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM dbt_contract_repair('rep_v.no_contract');
\echo :LAST_ERROR_SQLSTATE

--
-- dbt_contract_ddl
--
SELECT dbt_contract_ddl('rep_ok');
SELECT dbt_contract_ddl('rep_cons');
SELECT dbt_contract_ddl('rep_qchild');
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rep_ddl_forms
    config: {contract: {enforced: true}}
    constraints:
      - {type: not_null, columns: [a, b]}
      - {type: primary_key, columns: [a, b], name: pk_forms}
      - {type: unique, columns: [c], expression: "NULLS NOT DISTINCT"}
      - {type: custom, name: ck_custom, expression: "CHECK (c <> '')"}
      - type: foreign_key
        columns: [c]
        expression: "rep_v.rep_parent (code) ON DELETE CASCADE"
      - {type: foreign_key, columns: [d], to: ref('rep_nowhere'), to_columns: [id]}
    columns:
      - {name: a, data_type: int, constraints: [{type: not_null}]}
      - {name: b, data_type: int}
      - {name: c, data_type: text, constraints: [{type: check, expression: "c ~ '^[a-z]'", name: ck_c}]}
      - {name: d, data_type: int, constraints: [{type: custom, expression: "DEFAULT 0"}]}
      - {name: Mixed Case, data_type: 'timestamp(3) with time zone', quote: true}
$$, 'rep_ddl', 'rep_v');
SELECT dbt_contract_ddl('rep_ddl_forms');
SELECT dbt_contract_ddl('rep_versioned', 2);
SELECT dbt_contract_ddl('rep_versioned');
\echo :LAST_ERROR_SQLSTATE
SELECT dbt_contract_ddl('rep_unenforced');
\echo :LAST_ERROR_SQLSTATE
SELECT dbt_contract_ddl('rep_no_such_model');
\echo :LAST_ERROR_SQLSTATE

--
-- The DDL round trip over every table model with an enforced contract in
-- test/fixtures: load each fixture file (the broken ones fail), create the
-- schemas the contracts name, execute each model's DDL -- which the
-- enforcement trigger checks -- and find nothing for dbt_contract_check.
--
-- Contracts from the fixtures that earlier suites left loaded go first:
-- a model belongs to one source.
SELECT bool_and(true) IS NOT FALSE AS cleared
  FROM dbt_contract.contract_source s,
       LATERAL dbt_contract_apply_yaml('version: 2', s.source, s.target, allow_breaking => true)
 WHERE s.source LIKE :'abs_srcdir' || '/test/fixtures/%';
CREATE FUNCTION rep_apply_fixture(path text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) || ' model(s)' FROM dbt_contract_apply(path, 'rep_fx'));
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END
$$;
WITH RECURSIVE walk(path, isdir) AS (
    SELECT 'test/fixtures', true
    UNION ALL
    SELECT w.path || '/' || f,
           (pg_stat_file(:'abs_srcdir' || '/' || w.path || '/' || f)).isdir
      FROM walk w,
           LATERAL pg_ls_dir(CASE WHEN w.isdir THEN :'abs_srcdir' || '/' || w.path END) f
)
SELECT path, rep_apply_fixture(path) AS applied
  FROM walk
 WHERE NOT isdir AND path ~ '\.ya?ml$' AND path !~ '/\.'
 ORDER BY path COLLATE "C";

-- The enforced table models, and where they go.
CREATE TEMP TABLE rep_fx_models AS
SELECT m.model, m.version, m.relation_schema, m.relation_name,
       -- models referencing other models come after them
       (SELECT count(*) FROM dbt_contract.constraints k
         WHERE k.model = m.model AND k.version IS NOT DISTINCT FROM m.version
           AND k.constraint_type = 'foreign_key' AND k.to_model IS NOT NULL) AS refs
  FROM dbt_contract.models m
 WHERE m.source LIKE :'abs_srcdir' || '/test/fixtures/%'
   AND m.enforced AND coalesce(m.materialized, 'table') IN ('table', 'incremental');
SELECT model, version, relation_schema, relation_name
  FROM rep_fx_models ORDER BY model COLLATE "C", version;

-- The schemas, and the table dim_regions' legacy foreign key names.
SELECT DISTINCT format('CREATE SCHEMA IF NOT EXISTS %I', relation_schema)
  FROM rep_fx_models ORDER BY 1
\gexec
CREATE SCHEMA reference;
CREATE TABLE reference.countries (code char(2) PRIMARY KEY);

SELECT model, version, dbt_contract_ddl(model, version) AS ddl
  FROM rep_fx_models ORDER BY refs, model COLLATE "C", version;
SELECT dbt_contract_ddl(model, version)
  FROM rep_fx_models ORDER BY refs, model COLLATE "C", version
\gexec

SELECT f.model, f.version, count(c.*) AS problems
  FROM rep_fx_models f
  LEFT JOIN LATERAL dbt_contract_check(format('%I.%I', f.relation_schema,
                                              f.relation_name)::regclass) c ON true
 GROUP BY f.model, f.version
 ORDER BY f.model COLLATE "C", f.version;
SELECT count(*) AS verify_rows
  FROM dbt_contract_verify() v JOIN rep_fx_models f
    ON v.model = f.model AND v.version IS NOT DISTINCT FROM f.version;

--
-- dbt_contract_omni_relationships: the relationships as an Omni file.
--
CREATE SCHEMA rep_o;
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: rep_o_customers
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
  - name: rep_o_orders
    constraints:
      - type: foreign_key
        columns: [customer_id]
        to: ref('rep_o_customers')
        to_columns: [id]
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: customer_id, data_type: int}
  - name: rep_o_lines
    constraints:
      - {type: primary_key, columns: [order_id, line]}
    columns:
      - name: order_id
        data_type: int
        data_tests:
          - relationships: {to: ref('rep_o_orders'), field: id}
      - {name: line, data_type: int}
  - name: rep_o_line_notes
    columns:
      - {name: order_id, data_type: int}
      - {name: line, data_type: int}
    data_tests:
      - dbt_constraints.foreign_key:
          fk_column_names: [order_id, line]
          pk_table_name: ref('rep_o_lines')
          pk_column_names: [order_id, line]
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [order_id, line]
  # names YAML would read as something else are quoted
  - name: rep_o_odd
    config: {alias: "yes"}
    columns:
      - name: "note: x"
        quote: true
        data_type: text
        data_tests:
          - relationships: {to: ref('rep_o_customers'), field: id}
$$, 'rep_omni', 'rep_o')
ORDER BY model COLLATE "C";
\pset format unaligned
\pset tuples_only on
SELECT '- join_from_view: ' || e
  FROM unnest(string_to_array(dbt_contract_omni_relationships('rep_o'), '- join_from_view: ')) e
 WHERE e ~ '^(rep_o_|''yes'')'
 ORDER BY e COLLATE "C";
\pset tuples_only off
\pset format aligned
-- every entry has the five keys, one relationship each
SELECT count(*) = (SELECT count(*) FROM dbt_contract.relationships
                    WHERE on_sql IS NOT NULL AND target = 'rep_o')
           AS one_entry_per_relationship
  FROM regexp_matches(dbt_contract_omni_relationships('rep_o'),
                      E'- join_from_view: [^\\n]+\\n  join_to_view: [^\\n]+\\n  on_sql: [^\\n]+\\n  relationship_type: [a-z_]+\\n  join_type: always_left\\n',
                      'g');

--
-- Clean up: no contracts, relations or roles of this suite remain.
--
SELECT bool_and(true) IS NOT FALSE AS removed
  FROM dbt_contract.contract_source s,
       LATERAL dbt_contract_apply_yaml('version: 2', s.source, s.target, allow_breaking => true)
 WHERE s.source IN ('rep_verify', 'rep_repair', 'rep_ddl', 'rep_omni')
    OR s.source LIKE :'abs_srcdir' || '/test/fixtures/%';
DROP FUNCTION rep_apply_fixture(text);
SET client_min_messages = warning;
DROP SCHEMA rep_v, rep_o, reference CASCADE;
DROP ROLE regress_rep_stranger;
SELECT format('DROP SCHEMA %I CASCADE', relation_schema)
  FROM (SELECT DISTINCT relation_schema FROM rep_fx_models) s ORDER BY 1
\gexec
RESET client_min_messages;
SELECT count(*) AS contracts_left FROM dbt_contract.models
 WHERE relation_schema LIKE 'rep\_%';
