-- dbt_contract 0.2.0: dbt model contracts inside PostgreSQL.
--
-- Functions live in the schema the extension is created in (public by
-- default) so that `SELECT dbt_contract_apply(...)` works unqualified; the
-- catalog (tables and views) lives in the schema dbt_contract.  Only the
-- C functions write the tables; everybody may read the views.

\echo Use "CREATE EXTENSION dbt_contract" to load this file. \quit

CREATE SCHEMA dbt_contract;
COMMENT ON SCHEMA dbt_contract IS 'dbt model contracts loaded by dbt_contract_apply';
GRANT USAGE ON SCHEMA dbt_contract TO PUBLIC;

------------------------------------------------------------------------------
-- Catalog tables
------------------------------------------------------------------------------

CREATE SEQUENCE dbt_contract.model_id_seq;
COMMENT ON SEQUENCE dbt_contract.model_id_seq IS
    'Ids of dbt_contract.contract_model rows';

-- One row per applied source: a file path, a directory, or a name given to
-- dbt_contract_apply_yaml.
CREATE TABLE dbt_contract.contract_source (
    source      text PRIMARY KEY,
    checksum    text NOT NULL,          -- md5 of the YAML that was applied
    applied_at  timestamptz NOT NULL,
    applied_by  name NOT NULL
);
COMMENT ON TABLE dbt_contract.contract_source IS
    'Internal: one row per applied source (a file, a directory, an inline or manifest source name)';
COMMENT ON COLUMN dbt_contract.contract_source.source IS 'The source key: an absolute path, or the name given to the apply';
COMMENT ON COLUMN dbt_contract.contract_source.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.contract_source.applied_by IS 'The role that called the apply';

-- One row per model, or per version of a versioned model.
CREATE TABLE dbt_contract.contract_model (
    model_id         bigint PRIMARY KEY,
    model            text NOT NULL,
    version          int CHECK (version >= 0),   -- NULL: unversioned
    latest_version   int,
    source           text NOT NULL,
    file             text NOT NULL,               -- file that declared it
    defined_at       text NOT NULL,               -- file:line:col
    relation_schema  text NOT NULL,
    relation_name    text NOT NULL,
    materialized     text,                        -- NULL: not declared in YAML
    enforced         boolean NOT NULL,
    alias_types      boolean NOT NULL,
    on_schema_change text,
    description      text,
    deprecation_date text,
    fingerprint      text NOT NULL,               -- md5 of the canonical form
    column_count     int NOT NULL,
    constraint_count int NOT NULL,
    applied_at       timestamptz NOT NULL
);
COMMENT ON TABLE dbt_contract.contract_model IS
    'Internal: one row per model, or per version of a versioned model; read through dbt_contract.models';
COMMENT ON COLUMN dbt_contract.contract_model.version IS 'Model version; NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.contract_model.file IS 'The file that declared the model';
COMMENT ON COLUMN dbt_contract.contract_model.defined_at IS 'Where the model was declared, as file:line:col';
COMMENT ON COLUMN dbt_contract.contract_model.relation_schema IS 'Schema of the relation dbt builds for the model';
COMMENT ON COLUMN dbt_contract.contract_model.relation_name IS 'Name of the relation dbt builds for the model';
COMMENT ON COLUMN dbt_contract.contract_model.materialized IS 'Materialization declared in the YAML; NULL when not declared';
COMMENT ON COLUMN dbt_contract.contract_model.enforced IS 'Whether the model''s contract is enforced';
COMMENT ON COLUMN dbt_contract.contract_model.fingerprint IS 'md5 of the contract''s canonical form; an unchanged fingerprint is not rewritten';
CREATE UNIQUE INDEX contract_model_key
    ON dbt_contract.contract_model (model, (coalesce(version, -1)));
CREATE INDEX contract_model_source
    ON dbt_contract.contract_model (source);
CREATE INDEX contract_model_relation
    ON dbt_contract.contract_model (relation_schema, relation_name);
COMMENT ON INDEX dbt_contract.contract_model_key IS
    'One row per model and version';
COMMENT ON INDEX dbt_contract.contract_model_source IS
    'The models of a source, for a re-apply';
COMMENT ON INDEX dbt_contract.contract_model_relation IS
    'The model of a relation, for the event triggers';

CREATE TABLE dbt_contract.contract_column (
    model_id     bigint NOT NULL,
    ordinal      int NOT NULL,
    column_name  text NOT NULL,    -- as written in YAML
    attname      text NOT NULL,    -- as PostgreSQL names it (folded unless quoted)
    data_type    text,             -- as written in YAML
    type_oid     oid,              -- resolved by PostgreSQL's type parser
    typmod       int NOT NULL,
    description  text,
    quoted       boolean NOT NULL,
    PRIMARY KEY (model_id, ordinal)
);
COMMENT ON TABLE dbt_contract.contract_column IS
    'Internal: the columns of each contract; read through dbt_contract.columns';
COMMENT ON COLUMN dbt_contract.contract_column.column_name IS 'Column name as written in the YAML';
COMMENT ON COLUMN dbt_contract.contract_column.attname IS 'Column name as PostgreSQL names it (folded unless quoted)';
COMMENT ON COLUMN dbt_contract.contract_column.data_type IS 'data_type as written in the YAML';
COMMENT ON COLUMN dbt_contract.contract_column.type_oid IS 'data_type resolved by PostgreSQL''s type parser';
COMMENT ON COLUMN dbt_contract.contract_column.typmod IS 'Type modifier of the resolved data_type (-1: none)';

CREATE TABLE dbt_contract.contract_constraint (
    model_id         bigint NOT NULL,
    ordinal          int NOT NULL,
    constraint_type  text NOT NULL
        CHECK (constraint_type IN ('not_null', 'unique', 'primary_key',
                                   'foreign_key', 'check', 'custom')),
    level            text NOT NULL CHECK (level IN ('column', 'model')),
    columns          text[] NOT NULL,
    expression       text,
    name             text,
    to_text          text,         -- `to:` as written
    to_model         text,         -- model named by ref()
    to_package       text,
    to_version       int,
    to_columns       text[],
    warn_unenforced  boolean NOT NULL,
    warn_unsupported boolean NOT NULL,
    defined_at       text NOT NULL,
    PRIMARY KEY (model_id, ordinal)
);
COMMENT ON TABLE dbt_contract.contract_constraint IS
    'Internal: the column- and model-level constraints of each contract; read through dbt_contract.constraints';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_text IS 'A foreign key''s to: as written';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_model IS 'The model a foreign key''s ref() names';
COMMENT ON COLUMN dbt_contract.contract_constraint.defined_at IS 'Where the constraint was declared, as file:line:col';

CREATE TABLE dbt_contract.contract_test (
    model_id   bigint NOT NULL,
    ordinal    int NOT NULL,
    test_name  text NOT NULL,
    columns    text[] NOT NULL,
    arguments  jsonb NOT NULL,
    PRIMARY KEY (model_id, ordinal)
);
COMMENT ON TABLE dbt_contract.contract_test IS
    'Internal: the data tests declared on each model; read through dbt_contract.tests';

-- One row per apply (dry runs with dbt_contract_diff leave none).
CREATE SEQUENCE dbt_contract.apply_id_seq;
COMMENT ON SEQUENCE dbt_contract.apply_id_seq IS
    'Ids of dbt_contract.apply_history rows';
CREATE TABLE dbt_contract.apply_history (
    apply_id          bigint PRIMARY KEY DEFAULT nextval('dbt_contract.apply_id_seq'),
    applied_at        timestamptz NOT NULL,
    applied_by        name NOT NULL,       -- the role that called the apply
    source            text NOT NULL,
    checksum          text NOT NULL,       -- md5 of the YAML applied
    added             int NOT NULL,
    changed           int NOT NULL,
    removed           int NOT NULL,
    unchanged         int NOT NULL,
    allow_breaking    boolean NOT NULL,
    breaking_accepted text[] NOT NULL      -- breaking changes that went through
);
COMMENT ON TABLE dbt_contract.apply_history IS
    'Internal: one row per apply; read through dbt_contract.history';
COMMENT ON COLUMN dbt_contract.apply_history.applied_by IS 'The role that called the apply';
COMMENT ON COLUMN dbt_contract.apply_history.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.apply_history.breaking_accepted IS 'The breaking changes that went through with allow_breaking';

-- Views dbt_contract_clone created in dev schemas (so it never touches a
-- relation it did not create).
CREATE TABLE dbt_contract.clone_view (
    to_schema      text NOT NULL,
    relation_name  text NOT NULL,
    from_schema    text NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     name NOT NULL,
    PRIMARY KEY (to_schema, relation_name)
);
COMMENT ON TABLE dbt_contract.clone_view IS
    'Internal: the views dbt_contract_clone created, so it never replaces a relation it did not create';

-- Any write to the models table (an apply, a restore's COPY) makes every
-- backend drop its cached contracts at commit.
CREATE FUNCTION dbt_contract.cache_invalidate() RETURNS trigger
AS 'MODULE_PATHNAME', 'dbt_contract_cache_invalidate'
LANGUAGE C;
COMMENT ON FUNCTION dbt_contract.cache_invalidate() IS
    'Internal: makes every backend drop its cached contracts when the models table changes';
CREATE TRIGGER contract_model_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dbt_contract.contract_model
    FOR EACH STATEMENT EXECUTE FUNCTION dbt_contract.cache_invalidate();
COMMENT ON TRIGGER contract_model_changed ON dbt_contract.contract_model IS
    'Drops every backend''s cached contracts at commit of any write to the models table';

-- pg_dump keeps the contracts with the database.
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_source', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_model', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_column', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_constraint', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_test', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.apply_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.apply_history', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.clone_view', '');

REVOKE ALL ON ALL TABLES IN SCHEMA dbt_contract FROM PUBLIC;
REVOKE ALL ON SEQUENCE dbt_contract.model_id_seq, dbt_contract.apply_id_seq FROM PUBLIC;

------------------------------------------------------------------------------
-- Views (the public interface)
------------------------------------------------------------------------------

CREATE VIEW dbt_contract.models AS
SELECT m.model, m.version, m.relation_schema, m.relation_name,
       m.materialized, m.enforced, m.description, m.source, m.applied_at
  FROM dbt_contract.contract_model m;
COMMENT ON VIEW dbt_contract.models IS 'Models (and model versions) with a loaded contract';
COMMENT ON COLUMN dbt_contract.models.version IS 'Model version; NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.models.materialized IS 'Materialization declared in the YAML; NULL when not declared';
COMMENT ON COLUMN dbt_contract.models.enforced IS 'Whether the contract is enforced on DDL';
COMMENT ON COLUMN dbt_contract.models.source IS 'The source the model was applied from';

CREATE VIEW dbt_contract.columns AS
SELECT m.model, m.version, c.column_name, c.ordinal, c.data_type,
       c.type_oid::regtype AS type_oid, c.typmod,
       CASE WHEN c.type_oid IS NOT NULL
            THEN pg_catalog.format_type(c.type_oid, c.typmod) END AS formatted_type,
       c.description, c.quoted
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_column c USING (model_id);
COMMENT ON VIEW dbt_contract.columns IS 'Contract columns, with data_type resolved by PostgreSQL';
COMMENT ON COLUMN dbt_contract.columns.data_type IS 'data_type as written in the YAML';
COMMENT ON COLUMN dbt_contract.columns.formatted_type IS 'The resolved type as PostgreSQL formats it';
COMMENT ON COLUMN dbt_contract.columns.quoted IS 'Whether the column name is used exactly (quote: true)';

CREATE VIEW dbt_contract.constraints AS
SELECT m.model, m.version, k.constraint_type, k.columns,
       CASE WHEN k.constraint_type = 'foreign_key' AND k.to_model IS NULL
                 AND k.to_text IS NOT NULL
            THEN k.to_text ELSE k.expression END AS expression,
       k.name, k.to_model, k.to_columns, k.level,
       k.warn_unenforced, k.warn_unsupported, k.to_version
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_constraint k USING (model_id);
COMMENT ON VIEW dbt_contract.constraints IS 'Column- and model-level constraints declared in contracts';
COMMENT ON COLUMN dbt_contract.constraints.level IS 'column or model: where the constraint was declared';
COMMENT ON COLUMN dbt_contract.constraints.to_model IS 'The model a foreign key''s ref() names; NULL for source() and the legacy expression';

CREATE VIEW dbt_contract.tests AS
SELECT m.model, m.version, t.test_name, t.columns, t.arguments
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_test t USING (model_id);
COMMENT ON VIEW dbt_contract.tests IS 'Data tests declared on contracted models (tests: and data_tests:)';

CREATE VIEW dbt_contract.history AS
SELECT h.apply_id, h.applied_at, h.applied_by, h.source, h.checksum,
       h.added, h.changed, h.removed, h.unchanged,
       h.allow_breaking, h.breaking_accepted
  FROM dbt_contract.apply_history h;
COMMENT ON VIEW dbt_contract.history IS
    'One row per apply: when, by whom, which source and content, what changed, which breaking changes were accepted';

GRANT SELECT ON dbt_contract.history TO PUBLIC;
GRANT SELECT ON dbt_contract.models, dbt_contract.columns,
                dbt_contract.constraints, dbt_contract.tests TO PUBLIC;

------------------------------------------------------------------------------
-- Keys and relationships (what BI tools such as Omni consume)
------------------------------------------------------------------------------

-- Internal: a written column name of a model as PostgreSQL names it.
CREATE VIEW dbt_contract.column_names AS
SELECT c.model_id, c.column_name AS written, c.attname
  FROM dbt_contract.contract_column c;
COMMENT ON VIEW dbt_contract.column_names IS
    'Internal: a model''s column names as written and as PostgreSQL names them';

-- Internal: the model a ref('m') or ref('m', v=N) resolves to.  Without a
-- version, a versioned model resolves to its latest_version (or, when
-- that is not set, its highest version), as dbt does.
CREATE VIEW dbt_contract.ref_targets AS
SELECT m.model, NULL::int AS requested_version, m.model_id, m.version,
       m.relation_schema, m.relation_name
  FROM dbt_contract.contract_model m
 WHERE m.version IS NULL
    OR m.version = coalesce(m.latest_version,
                            (SELECT max(v.version) FROM dbt_contract.contract_model v
                              WHERE v.model = m.model))
UNION ALL
SELECT m.model, m.version, m.model_id, m.version, m.relation_schema, m.relation_name
  FROM dbt_contract.contract_model m
 WHERE m.version IS NOT NULL;
COMMENT ON VIEW dbt_contract.ref_targets IS
    'Internal: the model a ref() resolves to, with or without a version';

-- Internal: every candidate key with its rung on dbt's infer_primary_key
-- ladder (lower wins) and, for ties, its place: model-level constraints
-- (dbt looks at those first), column-level ones, tests, each in
-- declaration order, then live keys.
CREATE VIEW dbt_contract.key_candidates AS
WITH declared AS (
    SELECT k.model_id, k.columns AS written,
           CASE k.level WHEN 'model' THEN 0 ELSE 100000 END + k.ordinal AS ordinal,
           CASE k.constraint_type WHEN 'primary_key' THEN 'primary' ELSE 'unique' END AS key_type,
           CASE k.constraint_type WHEN 'primary_key' THEN 'primary_key constraint'
                ELSE 'unique constraint' END AS derived_from,
           -- a model has one primary key, at model or column level
           CASE k.constraint_type WHEN 'primary_key' THEN 1 ELSE 5 END AS rung
      FROM dbt_contract.contract_constraint k
     WHERE k.constraint_type IN ('primary_key', 'unique')
    UNION ALL
    SELECT t.model_id, t.columns, 200000 + t.ordinal,
           CASE WHEN t.test_name = 'dbt_constraints.primary_key' THEN 'primary' ELSE 'unique' END,
           CASE t.test_name
                WHEN 'unique' THEN 'unique test'
                WHEN 'dbt_constraints.primary_key' THEN 'dbt_constraints.primary_key test'
                WHEN 'dbt_constraints.unique_key' THEN 'dbt_constraints.unique_key test'
                ELSE 'unique_combination_of_columns test' END,
           CASE t.test_name
                WHEN 'dbt_constraints.primary_key' THEN 1
                WHEN 'dbt_constraints.unique_key' THEN 5
                ELSE 4 END
      FROM dbt_contract.contract_test t
     WHERE t.test_name IN ('unique', 'dbt_utils.unique_combination_of_columns',
                           'unique_combination_of_columns', 'dbt_constraints.primary_key',
                           'dbt_constraints.unique_key')
       AND cardinality(t.columns) > 0
    UNION ALL
    -- unique columns (a unique or unique_combination_of_columns test) that
    -- are all not null (a not_null test or constraint): dbt's third rung
    SELECT u.model_id, u.columns, 200000 + u.ordinal, 'unique', 'not_null+unique tests', 3
      FROM dbt_contract.contract_test u
     WHERE u.test_name IN ('unique', 'dbt_utils.unique_combination_of_columns',
                           'unique_combination_of_columns')
       AND cardinality(u.columns) > 0
       AND NOT EXISTS (
           SELECT 1 FROM unnest(u.columns) AS c(col)
            WHERE NOT EXISTS (SELECT 1 FROM dbt_contract.contract_test n
                               WHERE n.model_id = u.model_id AND n.test_name = 'not_null'
                                 AND n.columns = ARRAY[c.col])
              AND NOT EXISTS (SELECT 1 FROM dbt_contract.contract_constraint n
                               WHERE n.model_id = u.model_id
                                 AND n.constraint_type = 'not_null'
                                 AND c.col = ANY (n.columns)))
), named AS (
    SELECT d.model_id, d.key_type, d.derived_from, d.rung, d.ordinal,
           ARRAY(SELECT coalesce(cn.attname, lower(w.col))
                   FROM unnest(d.written) WITH ORDINALITY AS w(col, ord)
                   LEFT JOIN dbt_contract.column_names cn
                          ON cn.model_id = d.model_id AND cn.written = w.col
                  ORDER BY w.ord) AS key_columns
      FROM declared d
    UNION ALL
    -- live keys of the relation that the YAML does not declare
    SELECT m.model_id,
           CASE con.contype WHEN 'p' THEN 'primary' ELSE 'unique' END,
           'catalog',
           CASE con.contype WHEN 'p' THEN 6 ELSE 7 END,
           300000,
           ARRAY(SELECT a.attname::text
                   FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_catalog.pg_attribute a
                     ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)
      FROM dbt_contract.contract_model m
      JOIN pg_catalog.pg_namespace n ON n.nspname = m.relation_schema
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = m.relation_name
      JOIN pg_catalog.pg_constraint con ON con.conrelid = c.oid AND con.contype IN ('p', 'u')
)
SELECT DISTINCT ON (model_id, sorted_columns)
       model_id, key_type, derived_from, rung, ordinal, key_columns, sorted_columns
  FROM (SELECT named.*,
               ARRAY(SELECT x FROM unnest(key_columns) AS x ORDER BY x) AS sorted_columns
          FROM named) s
 ORDER BY model_id, sorted_columns, rung, ordinal;
COMMENT ON VIEW dbt_contract.key_candidates IS
    'Internal: every candidate key of a model with its rung on dbt''s infer_primary_key ladder';

CREATE VIEW dbt_contract.keys AS
SELECT m.model, m.version,
       pg_catalog.quote_ident(m.relation_schema) || '.' ||
       pg_catalog.quote_ident(m.relation_name) AS relation,
       k.key_columns, k.key_type, k.derived_from,
       row_number() OVER (PARTITION BY k.model_id
                          ORDER BY k.rung, k.ordinal, k.sorted_columns) = 1 AS is_primary
  FROM dbt_contract.key_candidates k
  JOIN dbt_contract.contract_model m USING (model_id);
COMMENT ON VIEW dbt_contract.keys IS
    'Primary and unique keys of contracted models, derived from constraints, tests and the catalog; is_primary follows dbt''s infer_primary_key';
COMMENT ON COLUMN dbt_contract.keys.derived_from IS 'Where the key comes from: a constraint, a test, or the catalog';
COMMENT ON COLUMN dbt_contract.keys.is_primary IS 'The one key per model dbt''s infer_primary_key would choose';

-- The name a relationship target goes by in Omni's on_sql: the model of
-- ref('m') / ref('pkg', 'm', v=2), the table of source('s', 't'), or the
-- last part of a relation name (folded unless quoted).
CREATE FUNCTION dbt_contract.target_name(target text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
       WHEN target ~ '^\s*(\{\{\s*)?(ref|source)\s*\('
       THEN (SELECT coalesce(a[array_length(a, 1)], target)
               FROM (SELECT ARRAY(SELECT m[1]
                                    FROM regexp_matches(
                                             regexp_replace(split_part(target, ')', 1),
                                                            ',\s*(v|version)\s*=.*$', ''),
                                             '[''"]([^''"]*)[''"]', 'g') AS m)
                            AS a) q)
       ELSE (SELECT CASE WHEN m[1] IS NOT NULL THEN replace(m[1], '""', '"')
                         ELSE lower(m[2]) END
               FROM regexp_match(target, '(?:"((?:[^"]|"")*)"|([^."[:space:]]+))\s*$') AS m)
       END
$$;
COMMENT ON FUNCTION dbt_contract.target_name(text) IS
    'Internal: the name a relationship target goes by in Omni''s on_sql';

-- Internal: every declared or live relationship, one row per source.
CREATE VIEW dbt_contract.relationship_sources AS
WITH raw AS (
    -- foreign_key constraints: to: ref()/source(), or the legacy expression
    SELECT k.model_id AS from_id, k.columns AS from_written,
           k.to_model, k.to_version,
           -- as written, also for a ref() the catalog cannot resolve
           coalesce(k.to_text, k.expression) AS target_text,
           coalesce(k.to_columns,
                    CASE WHEN k.to_text IS NULL
                         THEN string_to_array(pg_catalog.btrim(
                                  (regexp_match(k.expression, '\(([^)]*)\)'))[1]), ',') END)
               AS to_written,
           'foreign_key constraint' AS derived_from, 1 AS prio, k.name AS constraint_name
      FROM dbt_contract.contract_constraint k
     WHERE k.constraint_type = 'foreign_key'
    UNION ALL
    -- relationships tests (to/field), and dbt_constraints.foreign_key tests
    SELECT t.model_id,
           CASE WHEN t.test_name = 'relationships' THEN t.columns
                ELSE coalesce(CASE jsonb_typeof(t.arguments->'fk_column_names')
                                   WHEN 'array' THEN ARRAY(SELECT jsonb_array_elements_text(t.arguments->'fk_column_names')) END,
                              CASE WHEN t.arguments ? 'fk_column_name'
                                   THEN ARRAY[t.arguments->>'fk_column_name'] END,
                              t.columns) END,
           NULL, NULL,
           coalesce(t.arguments->>'to', t.arguments->>'pk_table_name'),
           coalesce(CASE WHEN t.arguments ? 'field' THEN ARRAY[t.arguments->>'field'] END,
                    CASE jsonb_typeof(t.arguments->'pk_column_names')
                         WHEN 'array' THEN ARRAY(SELECT jsonb_array_elements_text(t.arguments->'pk_column_names')) END,
                    CASE WHEN t.arguments ? 'pk_column_name'
                         THEN ARRAY[t.arguments->>'pk_column_name'] END),
           CASE t.test_name WHEN 'relationships' THEN 'relationships test'
                ELSE 'dbt_constraints.foreign_key test' END,
           CASE t.test_name WHEN 'relationships' THEN 2 ELSE 3 END,
           NULL
      FROM dbt_contract.contract_test t
     WHERE t.test_name IN ('relationships', 'dbt_constraints.foreign_key')
), parsed AS (
    -- ref('m'), ref('pkg', 'm'), ref('m', v=2) in tests; source('s', 't')
    SELECT r.*,
           regexp_match(r.target_text,
               '^\s*(?:\{\{\s*)?ref\(\s*[''"]([^''"]*)[''"]\s*(?:,\s*[''"]([^''"]*)[''"]\s*)?(?:,\s*(?:v|version)\s*=\s*[''"]?([0-9]+)[''"]?\s*)?\)') AS refm,
           regexp_match(r.target_text,
               '^\s*(?:\{\{\s*)?source\(\s*[''"]([^''"]*)[''"]\s*,\s*[''"]([^''"]*)[''"]\s*\)') AS srcm
      FROM raw r
), targeted AS (
    SELECT p.from_id, p.from_written, p.to_written, p.derived_from, p.prio,
           p.constraint_name, p.target_text,
           coalesce(p.to_model, coalesce(p.refm[2], p.refm[1])) AS ref_model,
           coalesce(p.to_version, p.refm[3]::int) AS ref_version,
           CASE WHEN p.srcm IS NOT NULL
                THEN pg_catalog.quote_ident(p.srcm[1]) || '.' || pg_catalog.quote_ident(p.srcm[2])
                WHEN p.refm IS NULL AND p.to_model IS NULL
                THEN pg_catalog.btrim(split_part(p.target_text, '(', 1)) END AS written_relation
      FROM parsed p
    UNION ALL
    -- live foreign keys between contracted relations
    SELECT fm.model_id,
           ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(n, o)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                  ORDER BY k.o),
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(n, o)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                  ORDER BY k.o),
           'catalog', 4, con.conname::text, NULL,
           tm.model, tm.version,
           NULL
      FROM pg_catalog.pg_constraint con
      JOIN pg_catalog.pg_class fc ON fc.oid = con.conrelid
      JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
      -- compared as text, so that both names make one hash key
      JOIN dbt_contract.contract_model fm
        ON fm.relation_schema = fn.nspname::text AND fm.relation_name = fc.relname::text
      JOIN pg_catalog.pg_class tc ON tc.oid = con.confrelid
      JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
      JOIN dbt_contract.contract_model tm
        ON tm.relation_schema = tn.nspname::text AND tm.relation_name = tc.relname::text
     WHERE con.contype = 'f'
)
SELECT t.from_id, t.derived_from, t.prio, t.constraint_name,
       ARRAY(SELECT coalesce(cn.attname, lower(pg_catalog.btrim(w.col)))
               FROM unnest(t.from_written) WITH ORDINALITY AS w(col, ord)
               LEFT JOIN dbt_contract.column_names cn
                      ON cn.model_id = t.from_id AND cn.written = w.col
              ORDER BY w.ord) AS from_columns,
       rt.model_id AS to_id,
       coalesce(CASE WHEN rt.model_id IS NOT NULL
                     THEN pg_catalog.quote_ident(rt.relation_schema) || '.' ||
                          pg_catalog.quote_ident(rt.relation_name) END,
                CASE WHEN wm.model_id IS NOT NULL
                     THEN pg_catalog.quote_ident(wm.relation_schema) || '.' ||
                          pg_catalog.quote_ident(wm.relation_name) END,
                t.written_relation, t.target_text) AS to_relation,
       coalesce(rt.relation_name, wm.relation_name,
                dbt_contract.target_name(coalesce(t.written_relation, t.target_text))) AS to_name,
       coalesce(rt.model_id, wm.model_id) AS resolved_to_id,
       ARRAY(SELECT coalesce(cn.attname, lower(pg_catalog.btrim(w.col)))
               FROM unnest(t.to_written) WITH ORDINALITY AS w(col, ord)
               LEFT JOIN dbt_contract.column_names cn
                      ON cn.model_id = coalesce(rt.model_id, wm.model_id) AND cn.written = pg_catalog.btrim(w.col)
              ORDER BY w.ord) AS to_columns
  FROM targeted t
  LEFT JOIN dbt_contract.ref_targets rt
         ON rt.model = t.ref_model
        AND rt.requested_version IS NOT DISTINCT FROM t.ref_version
  LEFT JOIN LATERAL (
        -- a legacy or source() target that is itself a contracted relation
        SELECT m.model_id, m.relation_schema, m.relation_name
          FROM dbt_contract.contract_model m
          JOIN dbt_contract.contract_model f ON f.model_id = t.from_id
         WHERE t.written_relation IS NOT NULL
           AND (pg_catalog.quote_ident(m.relation_schema) || '.' ||
                pg_catalog.quote_ident(m.relation_name) = t.written_relation
                OR m.relation_schema || '.' || m.relation_name = t.written_relation
                -- unquoted names fold to lower case, as in the DDL
                OR (t.written_relation !~ '"'
                    AND m.relation_schema || '.' || m.relation_name = lower(t.written_relation))
                OR (m.relation_schema = f.relation_schema
                    AND (pg_catalog.quote_ident(m.relation_name) = t.written_relation
                         OR (t.written_relation !~ '"'
                             AND m.relation_name = lower(t.written_relation)))))
         ORDER BY m.version DESC NULLS FIRST
         LIMIT 1) wm ON true;
COMMENT ON VIEW dbt_contract.relationship_sources IS
    'Internal: every declared or live relationship, one row per place it is declared';

-- NOT VALID and NOT ENFORCED constraints guarantee nothing about the rows:
-- the views count them as the checks do (contract_match.c).
CREATE FUNCTION dbt_contract.constraint_in_force(con oid) RETURNS boolean
AS 'MODULE_PATHNAME', 'dbt_contract_constraint_in_force'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.constraint_in_force(oid) IS
    'Whether PostgreSQL enforces the constraint on every row (validated, and not NOT ENFORCED)';

CREATE VIEW dbt_contract.relationships AS
-- Keys are worked out once and joined (a subquery on dbt_contract.keys
-- per relationship would work out every model's keys for each).
WITH key_sets AS MATERIALIZED (
    SELECT k.model_id, k.key_columns, k.sorted_columns,
           row_number() OVER (PARTITION BY k.model_id
                              ORDER BY k.rung, k.ordinal, k.sorted_columns) = 1 AS is_primary
      FROM dbt_contract.key_candidates k
), merged AS (
    SELECT s.from_id, s.resolved_to_id AS to_id, s.to_relation, s.to_name, s.from_columns,
           -- a key without to_columns points at the target's primary key
           CASE WHEN cardinality(s.to_columns) > 0 THEN s.to_columns
                ELSE pk.key_columns END AS to_columns,
           s.derived_from, s.prio, s.constraint_name
      FROM dbt_contract.relationship_sources s
      LEFT JOIN key_sets pk ON pk.model_id = s.resolved_to_id AND pk.is_primary
), keyed AS (
    -- the column pairs, in any order: (a, b) -> (x, y) is (b, a) -> (y, x)
    SELECT m.*, row_number() OVER () AS rowid,
           ARRAY(SELECT p.f || '=' || coalesce(p.t, '')
                   FROM unnest(m.from_columns, m.to_columns) AS p(f, t)
                  ORDER BY 1) AS pairs
      FROM merged m
), sourced AS (
    -- one row per relationship: its sources in priority order (prio is
    -- one digit), the declared constraint name first, else the live
    -- foreign key's, and the row of the first source for the columns
    SELECT (array_agg(k.rowid ORDER BY k.prio, k.rowid))[1] AS rep,
           (SELECT string_agg(substr(x, 3), ', ' ORDER BY x)
              FROM unnest(array_agg(DISTINCT k.prio || ':' || k.derived_from)) AS x)
               AS derived_from,
           (array_agg(k.constraint_name ORDER BY k.prio, k.constraint_name)
                FILTER (WHERE k.constraint_name IS NOT NULL))[1] AS constraint_name
      FROM keyed k
     GROUP BY k.from_id, k.to_id, k.to_relation, k.pairs
), grouped AS (
    SELECT g.from_id, g.to_id, g.to_relation, g.to_name, g.from_columns, g.to_columns,
           s.derived_from, s.constraint_name
      FROM sourced s
      JOIN keyed g ON g.rowid = s.rep
), located AS (
    SELECT g.*, fm.model AS from_model, fm.version AS from_version,
           pg_catalog.quote_ident(fm.relation_schema) || '.' ||
           pg_catalog.quote_ident(fm.relation_name) AS from_relation,
           fm.relation_name AS from_name,
           tm.model AS to_model, tm.version AS to_version,
           -- the target as a relation: a loaded model's, or a written
           -- relation name (a ref() to no loaded model is none)
           (SELECT c.oid FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = fm.relation_schema AND c.relname = fm.relation_name) AS from_oid,
           CASE WHEN tm.model_id IS NOT NULL
                THEN (SELECT c.oid FROM pg_catalog.pg_class c
                        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = tm.relation_schema AND c.relname = tm.relation_name)
                WHEN g.to_relation ~ '^\s*("([^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)(\s*\.\s*("([^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)){0,2}\s*$'
                THEN pg_catalog.to_regclass(g.to_relation)::oid END AS to_oid,
           tm.model_id IS NOT NULL
           OR g.to_relation ~ '^\s*("([^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)(\s*\.\s*("([^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)){0,2}\s*$'
               AS to_is_relation
      FROM grouped g
      JOIN dbt_contract.contract_model fm ON fm.model_id = g.from_id
      LEFT JOIN dbt_contract.contract_model tm ON tm.model_id = g.to_id
)
SELECT l.from_model, l.from_version, l.from_relation, l.from_columns,
       l.to_model, l.to_version, l.to_relation, l.to_columns,
       CASE WHEN fk.model_id IS NOT NULL
            THEN 'one_to_one' ELSE 'many_to_one' END AS relationship_type,
       l.derived_from, l.constraint_name,
       -- a live foreign key with the same column pairs, in any order
       EXISTS (SELECT 1
                 FROM pg_catalog.pg_constraint con
                WHERE con.contype = 'f'
                  AND dbt_contract.constraint_in_force(con.oid)
                  AND con.conrelid = l.from_oid
                  AND con.confrelid = l.to_oid
                  AND cardinality(con.conkey) = cardinality(l.from_columns)
                  AND CASE WHEN l.to_columns IS NULL
                           THEN ARRAY(SELECT a.attname::text FROM unnest(con.conkey) AS k(n)
                                        JOIN pg_catalog.pg_attribute a
                                          ON a.attrelid = con.conrelid AND a.attnum = k.n
                                       ORDER BY 1)
                              = ARRAY(SELECT x FROM unnest(l.from_columns) x ORDER BY 1)
                           ELSE ARRAY(SELECT fa.attname::text || '=' || ta.attname::text
                                        FROM unnest(con.conkey, con.confkey) AS k(fn, tn)
                                        JOIN pg_catalog.pg_attribute fa
                                          ON fa.attrelid = con.conrelid AND fa.attnum = k.fn
                                        JOIN pg_catalog.pg_attribute ta
                                          ON ta.attrelid = con.confrelid AND ta.attnum = k.tn
                                       ORDER BY 1)
                              = ARRAY(SELECT p.f || '=' || p.t
                                        FROM unnest(l.from_columns, l.to_columns) AS p(f, t)
                                       ORDER BY 1) END) AS enforced,
       (SELECT string_agg(format('${%s.%s} = ${%s.%s}', l.from_name, f.col, l.to_name, t.col),
                          ' AND ' ORDER BY f.ord)
          FROM unnest(l.from_columns) WITH ORDINALITY AS f(col, ord)
          JOIN unnest(l.to_columns) WITH ORDINALITY AS t(col, ord) USING (ord)) AS on_sql,
       CASE WHEN l.to_is_relation THEN
       (SELECT string_agg(format('%s.%I = %s.%I', l.from_relation, f.col, l.to_relation, t.col),
                          ' AND ' ORDER BY f.ord)
          FROM unnest(l.from_columns) WITH ORDINALITY AS f(col, ord)
          JOIN unnest(l.to_columns) WITH ORDINALITY AS t(col, ord) USING (ord)) END AS join_sql
  FROM located l
  -- one_to_one: the from-columns are a key of the from-model
  LEFT JOIN (SELECT DISTINCT model_id, sorted_columns FROM key_sets) fk
         ON fk.model_id = l.from_id
        AND fk.sorted_columns = ARRAY(SELECT x FROM unnest(l.from_columns) x ORDER BY x);
COMMENT ON VIEW dbt_contract.relationships IS
    'Relationships between models from foreign_key constraints, relationships tests, dbt_constraints tests and live foreign keys, with cardinality and join conditions';
COMMENT ON COLUMN dbt_contract.relationships.relationship_type IS 'one_to_one when the from-columns are a key of the from-model, else many_to_one';
COMMENT ON COLUMN dbt_contract.relationships.derived_from IS 'Where the relationship is declared, comma-separated';
COMMENT ON COLUMN dbt_contract.relationships.enforced IS 'Whether a matching foreign key exists now';
COMMENT ON COLUMN dbt_contract.relationships.on_sql IS 'The join condition in Omni''s ${view.column} form';
COMMENT ON COLUMN dbt_contract.relationships.join_sql IS 'The join condition as SQL over the relations';

GRANT SELECT ON dbt_contract.keys, dbt_contract.relationships TO PUBLIC;

------------------------------------------------------------------------------
-- Loading contracts
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract_apply(path text, target_schema text DEFAULT NULL,
                                   allow_breaking boolean DEFAULT false)
RETURNS TABLE (model text, version int, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply(text, text, boolean) IS
    'Load the dbt contracts of a YAML file, or of every YAML file below a directory';

CREATE FUNCTION dbt_contract_apply_yaml(yaml text, source text DEFAULT 'inline',
                                        target_schema text DEFAULT NULL,
                                        allow_breaking boolean DEFAULT false)
RETURNS TABLE (model text, version int, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply_yaml'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) IS
    'Load the dbt contracts of YAML text, as the named source';

-- Contracts from dbt's manifest.json, or from the compact object the
-- dbt_contract package sends at on-run-start: {"nodes": {...}}.
CREATE FUNCTION dbt_contract_apply_manifest(manifest jsonb, source text DEFAULT 'manifest',
                                            allow_breaking boolean DEFAULT false)
RETURNS TABLE (model text, version int, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply_manifest'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean) IS
    'Load the contracts of a dbt manifest (model nodes, columns, constraints, tests), relations as compiled';

-- Dev schemas: views onto production relations a dev schema lacks.
CREATE FUNCTION dbt_contract_clone(from_schema text, to_schema text)
RETURNS TABLE (model text, relation text, action text)
AS 'MODULE_PATHNAME', 'dbt_contract_clone'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_clone(text, text) IS
    'Create views in to_schema for contracted relations of from_schema it lacks (dbt clone''s fallback on PostgreSQL)';
REVOKE ALL ON FUNCTION dbt_contract_clone(text, text) FROM PUBLIC;

-- What an apply would do, changing nothing.
CREATE FUNCTION dbt_contract_diff(path text, target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version int, change text, detail text, breaking boolean)
AS 'MODULE_PATHNAME', 'dbt_contract_diff'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_diff(text, text) IS
    'What dbt_contract_apply of this path would change, and which changes break contracts';

CREATE FUNCTION dbt_contract_diff_yaml(yaml text, source text DEFAULT 'inline',
                                       target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version int, change text, detail text, breaking boolean)
AS 'MODULE_PATHNAME', 'dbt_contract_diff_yaml'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_diff_yaml(text, text, text) IS
    'What dbt_contract_apply_yaml of this text would change, and which changes break contracts';

REVOKE ALL ON FUNCTION dbt_contract_apply(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_diff(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_diff_yaml(text, text, text) FROM PUBLIC;

------------------------------------------------------------------------------
-- Reports: verify, check, DDL, repair, Omni
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract_verify()
RETURNS TABLE (model text, version int, relation text, object text,
               problem text, have text, want text)
AS 'MODULE_PATHNAME', 'dbt_contract_verify'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_verify() IS
    'Every discrepancy between enforced contracts and the live catalog';

CREATE FUNCTION dbt_contract_check(rel regclass)
RETURNS TABLE (model text, version int, relation text, object text,
               problem text, have text, want text)
AS 'MODULE_PATHNAME', 'dbt_contract_check'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION dbt_contract_check(regclass) IS
    'Discrepancies between one relation and its contract';

CREATE VIEW dbt_contract.violations AS
SELECT * FROM dbt_contract_verify();
COMMENT ON VIEW dbt_contract.violations IS
    'Every discrepancy between enforced contracts and the live catalog (dbt_contract_verify())';
GRANT SELECT ON dbt_contract.violations TO PUBLIC;

CREATE FUNCTION dbt_contract_ddl(model text, version int DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'dbt_contract_ddl'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_ddl(text, int) IS
    'The CREATE TABLE a model''s contract implies';

CREATE FUNCTION dbt_contract_repair(rel regclass DEFAULT NULL)
RETURNS TABLE (model text, version int, relation text, object text, statement text)
AS 'MODULE_PATHNAME', 'dbt_contract_repair'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_repair(regclass) IS
    'Add the declared constraints live relations lack (the caller must own them; runs as the owner, validates data, drops nothing)';

CREATE FUNCTION dbt_contract.parse_statements(sql text)
RETURNS TABLE (kind text, relation text, elements int)
AS 'MODULE_PATHNAME', 'dbt_contract_parse_statements'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.parse_statements(text) IS
    'The statements PostgreSQL''s parser finds in sql (command tag, relation, table elements or ALTER commands), executing nothing';

-- A YAML scalar: plain where YAML reads it back as the same string,
-- single-quoted otherwise.
CREATE FUNCTION dbt_contract.yaml_scalar(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN v ~ '^[[:alpha:]_$][^[:cntrl:]]*$' AND v !~ '(: |:$|[[:space:]]#|[[:space:]]$)'
                 AND lower(v) NOT IN ('y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null')
            THEN v
            ELSE '''' || replace(v, '''', '''''') || '''' END
$$;
COMMENT ON FUNCTION dbt_contract.yaml_scalar(text) IS
    'Internal: a text as a YAML scalar, quoted only where needed';

-- The relationships as an Omni relationships file.  Views are named as in
-- on_sql: by relation name (a ref() no contract resolves: by model name).
CREATE FUNCTION dbt_contract_omni_relationships()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- the relationships are worked out once (MATERIALIZED): joined to the
-- models un-materialized, the planner would work them out per model; and
-- compiling the big query would take longer than running it
SET jit = off
AS $$
WITH rel AS MATERIALIZED (
    SELECT * FROM dbt_contract.relationships WHERE on_sql IS NOT NULL
)
SELECT coalesce(string_agg(
         format(E'- join_from_view: %s\n  join_to_view: %s\n  on_sql: %s\n  relationship_type: %s\n  join_type: always_left\n',
                dbt_contract.yaml_scalar(r.from_name), dbt_contract.yaml_scalar(r.to_name),
                dbt_contract.yaml_scalar(r.on_sql), r.relationship_type),
         '' ORDER BY r.from_name, r.to_name, r.on_sql), '')
  FROM (SELECT fm.relation_name AS from_name,
               coalesce(tm.relation_name, dbt_contract.target_name(rel.to_relation)) AS to_name,
               rel.on_sql, rel.relationship_type
          FROM rel
          JOIN dbt_contract.models fm
            ON fm.model = rel.from_model
           AND fm.version IS NOT DISTINCT FROM rel.from_version
          LEFT JOIN dbt_contract.models tm
                 ON tm.model = rel.to_model
                AND tm.version IS NOT DISTINCT FROM rel.to_version) r
$$;
COMMENT ON FUNCTION dbt_contract_omni_relationships() IS
    'dbt_contract.relationships as an Omni relationships file (YAML)';

------------------------------------------------------------------------------
-- Enforcement: event triggers checking DDL against the contracts
------------------------------------------------------------------------------

-- No SET search_path here: the trigger resolves the relation names of the
-- user's command (CREATE VIEW v, ALTER TABLE t) the way the command did,
-- through the session's search_path, and a fixed one would find nothing
-- and check nothing.  The extension's own SQL fixes its search_path where
-- it runs (contract_cache.c).
CREATE FUNCTION dbt_contract.ddl_command_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'dbt_contract_ddl_command_end'
LANGUAGE C;
COMMENT ON FUNCTION dbt_contract.ddl_command_end() IS
    'Internal: checks the relations a DDL command created or changed against their enforced contracts';

CREATE FUNCTION dbt_contract.sql_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'dbt_contract_sql_drop'
LANGUAGE C;
COMMENT ON FUNCTION dbt_contract.sql_drop() IS
    'Internal: reports constraints of contracted relations that a DROP ... CASCADE removed';

-- Both triggers fire for every command, with no tag list: the C functions
-- read the parse tree and return at once for commands that cannot create
-- or change a contracted relation.  A tag list is what let ALTER TYPE,
-- CREATE MATERIALIZED VIEW or DROP ROUTINE ... CASCADE through before.
CREATE EVENT TRIGGER dbt_contract_check_ddl ON ddl_command_end
    EXECUTE FUNCTION dbt_contract.ddl_command_end();
COMMENT ON EVENT TRIGGER dbt_contract_check_ddl IS
    'Checks DDL on relations with an enforced dbt contract';

-- DROP ... CASCADE can remove other contracted tables' foreign keys (and,
-- through types, functions and operators, their columns and checks).
CREATE EVENT TRIGGER dbt_contract_check_drop ON sql_drop
    EXECUTE FUNCTION dbt_contract.sql_drop();
COMMENT ON EVENT TRIGGER dbt_contract_check_drop IS
    'Reports constraints of contracted relations lost to DROP ... CASCADE';

-- Fire in every session_replication_role, so setting it to replica is no
-- way around the checks.
ALTER EVENT TRIGGER dbt_contract_check_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER dbt_contract_check_drop ENABLE ALWAYS;

------------------------------------------------------------------------------
-- Enforcement status: every switch that turns the checks off, its state in
-- this session and database, and who could flip it
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract.enforcement_status()
RETURNS TABLE (control text, setting text, enforcing boolean,
               who_can_change text, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    supers text;
    granted text;
    trig record;
    v int := current_setting('server_version_num')::int;
BEGIN
    SELECT coalesce(string_agg(quote_ident(rolname), ', ' ORDER BY rolname), '(none)')
      INTO supers FROM pg_roles WHERE rolsuper;

    -- the two event triggers: present, and firing in every replication role
    FOR trig IN
        SELECT t.name, e.evtenabled
          FROM (VALUES ('dbt_contract_check_ddl'), ('dbt_contract_check_drop')) AS t(name)
          LEFT JOIN pg_event_trigger e ON e.evtname = t.name
         ORDER BY t.name
    LOOP
        control := 'event trigger ' || trig.name;
        setting := CASE trig.evtenabled WHEN 'A' THEN 'enabled always'
                                        WHEN 'O' THEN 'enabled (origin and local only)'
                                        WHEN 'R' THEN 'enabled (replica only)'
                                        WHEN 'D' THEN 'disabled'
                                        ELSE 'missing' END;
        enforcing := trig.evtenabled IS NOT DISTINCT FROM 'A';
        who_can_change := 'superusers: ' || supers;
        detail := CASE WHEN enforcing
                       THEN 'fires whatever session_replication_role is'
                       ELSE 'ALTER EVENT TRIGGER ' || trig.name || ' ENABLE ALWAYS restores it' END;
        RETURN NEXT;
    END LOOP;

    -- the extension's own switch, and PostgreSQL 17's for all event triggers
    FOR control, setting IN
        SELECT s.name, current_setting(s.name, true)
          FROM (VALUES ('dbt_contract.enforcement'), ('event_triggers')) AS s(name)
         WHERE s.name <> 'event_triggers' OR v >= 170000
    LOOP
        granted := NULL;
        IF v >= 150000 THEN
            EXECUTE $q$
                SELECT string_agg(DISTINCT quote_ident(r.rolname), ', ')
                  FROM pg_parameter_acl p,
                       LATERAL aclexplode(p.paracl) a
                       JOIN pg_roles r ON r.oid = a.grantee
                 WHERE p.parname = $1 AND a.privilege_type = 'SET'
                   AND NOT r.rolsuper$q$
              INTO granted USING control;
        END IF;
        enforcing := CASE control WHEN 'event_triggers' THEN setting = 'on'
                                  ELSE setting = 'error' END;
        who_can_change := 'superusers: ' || supers ||
            coalesce('; granted SET: ' || granted, '');
        detail := CASE
            WHEN control = 'event_triggers' AND enforcing
                THEN 'off would stop every event trigger of the server'
            WHEN control = 'event_triggers'
                THEN 'event triggers do not fire: nothing is checked'
            WHEN setting = 'warn'
                THEN 'violations are reported as warnings and go through'
            WHEN setting = 'off'
                THEN 'nothing is checked'
            ELSE 'violations are refused' END;
        RETURN NEXT;
    END LOOP;

    control := 'single-user mode';
    setting := NULL;
    enforcing := NULL;
    who_can_change := 'whoever can start the server (the operating system user owning the data directory)';
    detail := 'event triggers never fire in a single-user backend; this session cannot see one';
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION dbt_contract.enforcement_status() IS
    'Every switch that can turn contract enforcement off, its state here, and who can change it';

CREATE VIEW dbt_contract.enforcement_status AS
SELECT * FROM dbt_contract.enforcement_status();
COMMENT ON VIEW dbt_contract.enforcement_status IS
    'Whether contracts are enforced in this session and database, switch by switch, and who could turn each off';
GRANT SELECT ON dbt_contract.enforcement_status TO PUBLIC;

------------------------------------------------------------------------------
-- Generating contracts from the live catalog
------------------------------------------------------------------------------

-- The schema.yml of existing tables and views: reads the catalog only,
-- executes nothing, so it is open to everyone (the catalogs are).
CREATE FUNCTION dbt_contract_generate(relations regclass[] DEFAULT NULL,
                                      schema text DEFAULT NULL,
                                      include_data_types boolean DEFAULT true,
                                      include_constraints boolean DEFAULT true,
                                      include_tests boolean DEFAULT false,
                                      include_descriptions boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'dbt_contract_generate'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_generate(regclass[], text, boolean, boolean, boolean, boolean) IS
    'A dbt schema.yml (version 2) with enforced contracts for the given relations, or every table and view of a schema, read from the live catalog';
