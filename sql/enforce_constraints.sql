--
-- enforce_constraints: the constraints an enforced contract declares
-- (not_null, primary_key, unique, foreign_key, check, custom) must be on
-- the relation; more are fine.  ALTER TABLE may not take them away.
--
CREATE SCHEMA enf_cons;
CREATE SCHEMA enf_cons_raw;
-- A dbt source: source('enf_cons_raw', 'countries') is this table.
CREATE TABLE enf_cons_raw.countries (code text PRIMARY KEY, name text);

--
-- not_null, and a primary key implying it.
--
SELECT model, relation, action, columns, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_nn
    config:
      contract: {enforced: true}
    constraints:
      # dbt renders nothing for a model-level not_null: not required
      - type: not_null
        columns: [note]
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}]
      - name: name
        data_type: text
        constraints: [{type: not_null}]
      - name: note
        data_type: text
$$, 'enf_cons_nn', 'enf_cons');
CREATE TABLE enf_cons.cons_nn (id int NOT NULL, name text NOT NULL, note text);
DROP TABLE enf_cons.cons_nn;
CREATE TABLE enf_cons.cons_nn (id int PRIMARY KEY, name text NOT NULL, note text NOT NULL);
DROP TABLE enf_cons.cons_nn;
CREATE TABLE enf_cons.cons_nn (id int, name text, note text NOT NULL);
\echo :LAST_ERROR_SQLSTATE

--
-- primary_key: the same set of columns, in any order; column or model
-- level.
--
SELECT model, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_pk_col
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: other
        data_type: int
  - name: cons_pk_composite
    config:
      contract: {enforced: true}
    constraints:
      - type: primary_key
        name: cons_pk_composite_pk
        columns: [region, id]
    columns:
      - {name: region, data_type: text}
      - {name: id, data_type: int}
      - {name: other, data_type: int}
$$, 'enf_cons_pk', 'enf_cons')
 ORDER BY model COLLATE "C";
CREATE TABLE enf_cons.cons_pk_col (id int PRIMARY KEY, other int);
DROP TABLE enf_cons.cons_pk_col;
CREATE TABLE enf_cons.cons_pk_col (id int, other int, PRIMARY KEY (id));
DROP TABLE enf_cons.cons_pk_col;
-- A unique key, or a primary key on other columns, is not the primary key.
CREATE TABLE enf_cons.cons_pk_col (id int UNIQUE NOT NULL, other int);
CREATE TABLE enf_cons.cons_pk_col (id int, other int PRIMARY KEY);
CREATE TABLE enf_cons.cons_pk_col (id int, other int, PRIMARY KEY (id, other));
-- Composite: any order, any constraint name.
CREATE TABLE enf_cons.cons_pk_composite (region text, id int, other int,
  CONSTRAINT cons_pk_composite_pk PRIMARY KEY (region, id));
DROP TABLE enf_cons.cons_pk_composite;
CREATE TABLE enf_cons.cons_pk_composite (region text, id int, other int, PRIMARY KEY (id, region));
DROP TABLE enf_cons.cons_pk_composite;
CREATE TABLE enf_cons.cons_pk_composite (region text, id int PRIMARY KEY, other int);

--
-- unique: a unique constraint or the primary key on the same set.
--
SELECT model, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_uq
    config:
      contract: {enforced: true}
    constraints:
      - type: unique
        columns: [a, b]
    columns:
      - name: email
        data_type: text
        constraints: [{type: unique}]
      - {name: a, data_type: int}
      - {name: b, data_type: int}
$$, 'enf_cons_uq', 'enf_cons');
CREATE TABLE enf_cons.cons_uq (email text UNIQUE, a int, b int, UNIQUE (b, a));
DROP TABLE enf_cons.cons_uq;
-- NULLS NOT DISTINCT (PostgreSQL 15 on) is the same key.
SELECT current_setting('server_version_num')::int >= 150000 AS pg15 \gset
\if :pg15
CREATE TABLE enf_cons.cons_uq (email text PRIMARY KEY, a int, b int, UNIQUE NULLS NOT DISTINCT (a, b));
DROP TABLE enf_cons.cons_uq;
\endif
-- Unique on a different set (a superset is not the same key) fails.
CREATE TABLE enf_cons.cons_uq (email text, a int, b int, UNIQUE (email, a), UNIQUE (a));

--
-- foreign_key: to ref() with to_columns, to a versioned model (its
-- latest_version, or the version given), to a source(), or the legacy
-- expression "schema.table (column)".  What counts is the referenced
-- relation and the column pairs.
--
SELECT model, version, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_parent
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: code
        data_type: text
        constraints: [{type: unique}]
      - name: alt_id
        data_type: int
        constraints: [{type: unique}]
  - name: cons_versioned
    latest_version: 1
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
    versions:
      - v: 1
      - v: 2
  - name: cons_child
    config:
      contract: {enforced: true}
    constraints:
      - type: foreign_key
        name: cons_child_pair_fk
        columns: [pair_id, pair_code]
        to: ref('cons_parent')
        to_columns: [id, code]
    columns:
      - name: id
        data_type: int
      - name: parent_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_parent')
            to_columns: [id]
      - name: latest_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_versioned')
            to_columns: [id]
      - name: v1_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_versioned', v=1)
            to_columns: [id]
      - name: v2_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_versioned', v=2)
            to_columns: [id]
      - name: country
        data_type: text
        constraints:
          - type: foreign_key
            to: source('enf_cons_raw', 'countries')
            to_columns: [code]
      - name: parent_code
        data_type: text
        constraints:
          - type: foreign_key
            expression: "enf_cons.cons_parent (code)"
      - {name: pair_id, data_type: int}
      - {name: pair_code, data_type: text}
$$, 'enf_cons_fk', 'enf_cons')
 ORDER BY model COLLATE "C", version;
SELECT model, columns, expression, to_model, to_version, to_columns
  FROM dbt_contract.constraints WHERE model = 'cons_child' ORDER BY columns::text COLLATE "C";
CREATE TABLE enf_cons.cons_parent (id int PRIMARY KEY, code text UNIQUE, alt_id int UNIQUE,
                                   UNIQUE (id, code));
CREATE TABLE enf_cons.cons_versioned_v1 (id int PRIMARY KEY);
CREATE TABLE enf_cons.cons_versioned_v2 (id int PRIMARY KEY);
-- Everything as dbt renders it.
CREATE TABLE enf_cons.cons_child (
  id int,
  parent_id int REFERENCES enf_cons.cons_parent (id),
  latest_id int REFERENCES enf_cons.cons_versioned_v1 (id),
  v1_id int REFERENCES enf_cons.cons_versioned_v1 (id),
  v2_id int REFERENCES enf_cons.cons_versioned_v2 (id),
  country text REFERENCES enf_cons_raw.countries (code),
  parent_code text REFERENCES enf_cons.cons_parent (code),
  pair_id int, pair_code text,
  CONSTRAINT cons_child_pair_fk FOREIGN KEY (pair_id, pair_code)
    REFERENCES enf_cons.cons_parent (id, code));
DROP TABLE enf_cons.cons_child;
-- Column pairs in another order, and a key written without its columns
-- (the referenced primary key), are the same keys.
CREATE TABLE enf_cons.cons_child (
  id int,
  parent_id int REFERENCES enf_cons.cons_parent,
  latest_id int REFERENCES enf_cons.cons_versioned_v1 (id),
  v1_id int REFERENCES enf_cons.cons_versioned_v1 (id),
  v2_id int REFERENCES enf_cons.cons_versioned_v2 (id),
  country text REFERENCES enf_cons_raw.countries (code),
  parent_code text REFERENCES enf_cons.cons_parent (code),
  pair_id int, pair_code text,
  FOREIGN KEY (pair_code, pair_id) REFERENCES enf_cons.cons_parent (code, id));
DROP TABLE enf_cons.cons_child;
-- Wrong targets: other columns of the right table, the other version
-- (both ways), a table that is not the source, and one key missing; each
-- line says what the contract wants and what those columns have.  A
-- second key next to the right one, MATCH FULL on the pair and an extra
-- key on id are fine.
CREATE TABLE enf_cons.cons_child (
  id int,
  parent_id int REFERENCES enf_cons.cons_parent (alt_id),
  latest_id int REFERENCES enf_cons.cons_versioned_v2 (id),
  v1_id int REFERENCES enf_cons.cons_versioned_v1 (id) REFERENCES enf_cons.cons_versioned_v2 (id),
  v2_id int REFERENCES enf_cons.cons_versioned_v1 (id),
  country text REFERENCES enf_cons.cons_parent (code),
  parent_code text,
  pair_id int, pair_code text,
  FOREIGN KEY (pair_id, pair_code) REFERENCES enf_cons.cons_parent (id, code) MATCH FULL,
  FOREIGN KEY (id) REFERENCES enf_cons.cons_parent (id));
\echo :LAST_ERROR_SQLSTATE
-- A ref() to a model no contract defines cannot be met, and says why.
SELECT model, action FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_orphan
    config:
      contract: {enforced: true}
    columns:
      - name: ghost_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_ghost')
            to_columns: [id]
$$, 'enf_cons_orphan', 'enf_cons');
CREATE TABLE enf_cons.cons_orphan (ghost_id int REFERENCES enf_cons.cons_parent (id));

--
-- check: compared with the relation's stored expression after parse
-- analysis, so spacing, parentheses, case and implicit casts do not
-- matter; a different condition does, and both sides are shown deparsed.
--
SELECT model, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_check
    config:
      contract: {enforced: true}
    constraints:
      - type: check
        name: cons_check_range
        columns: [lo, hi]
        expression: "lo <= hi AND (hi - lo) < 100"
    columns:
      - name: lo
        data_type: int
        constraints:
          - type: check
            expression: "lo >= 0"
      - name: hi
        data_type: int
      - name: status
        data_type: text
        constraints:
          - type: check
            expression: "status IN ('new', 'done')"
$$, 'enf_cons_check', 'enf_cons');
CREATE TABLE enf_cons.cons_check (
  lo int CHECK (lo >= 0), hi int, status text CHECK (status IN ('new', 'done')),
  CONSTRAINT cons_check_range CHECK (lo <= hi AND (hi - lo) < 100));
DROP TABLE enf_cons.cons_check;
CREATE TABLE enf_cons.cons_check (
  lo INT CHECK (((LO>=0))), hi int, status text CHECK (status in('new','done')),
  CHECK ((lo<=hi) and hi-lo<100::int));
DROP TABLE enf_cons.cons_check;
-- Different conditions fail, one line each.
CREATE TABLE enf_cons.cons_check (
  lo int CHECK (lo > 0), hi int, status text CHECK (status = 'new' OR status = 'done'),
  CHECK (lo < hi AND (hi - lo) < 100));
-- More checks than the contract's are fine.
CREATE TABLE enf_cons.cons_check (
  lo int CHECK (lo >= 0) CHECK (lo < 1000), hi int, status text CHECK (status IN ('new', 'done')),
  CHECK (lo <= hi AND (hi - lo) < 100), CHECK (hi IS NOT NULL));
DROP TABLE enf_cons.cons_check;
-- A check naming a column the relation lacks is reported, not a crash.
CREATE TABLE enf_cons.cons_check (lo int CHECK (lo >= 0), status text CHECK (status IN ('new', 'done')));
\echo :LAST_ERROR_SQLSTATE

--
-- custom: the expression must appear in a constraint's definition or a
-- column default (spacing, case, quotes and parentheses aside).
--
SELECT model, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_custom
    config:
      contract: {enforced: true}
    constraints:
      - type: custom
        expression: "exclude using btree (slot with =)"
    columns:
      - name: slot
        data_type: int
      - name: created_at
        data_type: timestamptz
        constraints:
          - type: custom
            expression: "default now()"
$$, 'enf_cons_custom', 'enf_cons');
CREATE TABLE enf_cons.cons_custom (slot int, created_at timestamptz DEFAULT now(),
  EXCLUDE USING btree (slot WITH =));
DROP TABLE enf_cons.cons_custom;
CREATE TABLE enf_cons.cons_custom (slot int, created_at timestamptz DEFAULT clock_timestamp());

--
-- The drift guard: once built, ALTER TABLE may not take away what the
-- contract declares.  Start from a conforming table with data.
--
SELECT model, relation, action, constraints FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: cons_drift
    config:
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: name
        data_type: text
        constraints: [{type: not_null}]
      - name: amount
        data_type: numeric(10,2)
        constraints:
          - type: check
            expression: "amount >= 0"
      - name: parent_id
        data_type: int
        constraints:
          - type: foreign_key
            to: ref('cons_parent')
            to_columns: [id]
$$, 'enf_cons_drift', 'enf_cons');
INSERT INTO enf_cons.cons_parent VALUES (1, 'one');
CREATE TABLE enf_cons.cons_drift (id int PRIMARY KEY, name text NOT NULL,
  amount numeric(10,2) CONSTRAINT cons_drift_amount_check CHECK (amount >= 0),
  parent_id int CONSTRAINT cons_drift_parent_fk REFERENCES enf_cons.cons_parent (id));
INSERT INTO enf_cons.cons_drift VALUES (1, 'a', 1.50, 1);
-- Rejected: each would leave the table out of contract.
ALTER TABLE enf_cons.cons_drift DROP COLUMN amount;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE enf_cons.cons_drift ALTER COLUMN amount TYPE numeric(12,2);
ALTER TABLE enf_cons.cons_drift ALTER COLUMN name DROP NOT NULL;
ALTER TABLE enf_cons.cons_drift DROP CONSTRAINT cons_drift_pkey;
ALTER TABLE enf_cons.cons_drift DROP CONSTRAINT cons_drift_amount_check;
ALTER TABLE enf_cons.cons_drift DROP CONSTRAINT cons_drift_parent_fk;
ALTER TABLE enf_cons.cons_drift RENAME COLUMN name TO full_name;
ALTER TABLE enf_cons.cons_drift ADD COLUMN extra text;
-- Several subcommands: one breaking subcommand refuses the statement.
ALTER TABLE enf_cons.cons_drift ADD CONSTRAINT cons_drift_name_key UNIQUE (name),
  ALTER COLUMN name DROP NOT NULL;
-- Still the same table, with its data.
-- (NOT NULL shows as a constraint from PostgreSQL 18 on; not listed here.)
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'enf_cons.cons_drift'::regclass AND contype <> 'n'
 ORDER BY conname;
SELECT * FROM enf_cons.cons_drift;
-- Allowed: changes that cannot break a contract (pg_restore adds keys and
-- NOT NULL after the data, with these).
ALTER TABLE enf_cons.cons_drift ADD CONSTRAINT cons_drift_name_key UNIQUE (name);
ALTER TABLE enf_cons.cons_drift ADD CHECK (id > 0);
ALTER TABLE enf_cons.cons_drift ALTER COLUMN parent_id SET NOT NULL;
ALTER TABLE enf_cons.cons_drift ALTER COLUMN name SET STATISTICS 200;
-- Constraints beyond the contract may be dropped again.
ALTER TABLE enf_cons.cons_drift DROP CONSTRAINT cons_drift_name_key;
ALTER TABLE enf_cons.cons_drift ALTER COLUMN parent_id DROP NOT NULL;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'enf_cons.cons_drift'::regclass AND contype <> 'n'
 ORDER BY conname;

-- RENAME: a relation renamed to a contracted name is checked as that
-- model; renamed away, it is no longer the model's.
CREATE TABLE enf_cons.cons_drift_new (id int, name text);
ALTER TABLE enf_cons.cons_drift_new RENAME TO cons_drift__dbt_tmp;
ALTER TABLE enf_cons.cons_drift RENAME TO cons_drift_old;
ALTER TABLE enf_cons.cons_drift_new RENAME TO cons_drift;
ALTER TABLE enf_cons.cons_drift_old RENAME TO cons_drift;
-- Unqualified, with a same-named relation earlier in search_path: the
-- renamed relation is the one checked.
CREATE SCHEMA enf_cons_shadow;
CREATE TABLE enf_cons_shadow.cons_pk_col (anything text);
SET search_path = enf_cons_shadow, enf_cons;
ALTER TABLE cons_drift_new RENAME TO cons_pk_col;
\echo :LAST_ERROR_SQLSTATE
RESET search_path;
SELECT relnamespace::regnamespace AS schema, relname FROM pg_class
 WHERE relname IN ('cons_drift_new', 'cons_pk_col')
 ORDER BY relnamespace::regnamespace::text COLLATE "C", relname COLLATE "C";

-- DROP TABLE is always allowed.
DROP TABLE enf_cons.cons_drift;
DROP TABLE enf_cons.cons_drift_new;

-- Clean up.
SET client_min_messages = warning;
DROP SCHEMA enf_cons, enf_cons_raw, enf_cons_shadow CASCADE;
RESET client_min_messages;
SELECT source, count(*) AS removed
  FROM unnest(ARRAY['enf_cons_nn', 'enf_cons_pk', 'enf_cons_uq', 'enf_cons_fk',
                    'enf_cons_orphan', 'enf_cons_check', 'enf_cons_custom',
                    'enf_cons_drift']) source,
       LATERAL dbt_contract_apply_yaml('version: 2', source, 'enf_cons', allow_breaking => true)
 GROUP BY source ORDER BY source COLLATE "C";
SELECT count(*) FROM dbt_contract.models WHERE model LIKE 'cons\_%';
