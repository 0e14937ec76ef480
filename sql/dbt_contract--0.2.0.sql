-- dbt_contract 0.2.0: dbt model contracts inside PostgreSQL.
--
-- Functions live in the schema the extension is created in (public by
-- default) so that `SELECT dbt_contract_apply(...)` works unqualified; the
-- catalog (tables and views) lives in the schema dbt_contract.  Only the
-- C functions write the tables; everybody may read the views.

\echo Use "CREATE EXTENSION dbt_contract" to load this file. \quit

-- The whole script is parsed before it runs, with the session's
-- standard_conforming_strings: with it off, the backslashes of the views'
-- regular expressions would be read as escapes and the views built wrong.
DO $$
BEGIN
    IF current_setting('standard_conforming_strings') <> 'on' THEN
        RAISE EXCEPTION 'dbt_contract must be installed with standard_conforming_strings on'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'SET standard_conforming_strings = on, then repeat the command.';
    END IF;
END
$$;

CREATE SCHEMA dbt_contract;
COMMENT ON SCHEMA dbt_contract IS 'dbt model contracts loaded by dbt_contract_apply';
GRANT USAGE ON SCHEMA dbt_contract TO PUBLIC;

------------------------------------------------------------------------------
-- Catalog tables
------------------------------------------------------------------------------

CREATE SEQUENCE dbt_contract.model_id_seq;
COMMENT ON SEQUENCE dbt_contract.model_id_seq IS
    'Ids of dbt_contract.contract_model rows';

-- One row per applied source and target: a file path, a directory, or a
-- name given to dbt_contract_apply_yaml, applied for one target schema.
CREATE TABLE dbt_contract.contract_source (
    source      text NOT NULL,
    checksum    text NOT NULL,          -- md5 of the YAML that was applied
    applied_at  timestamptz NOT NULL,
    applied_by  name NOT NULL,
    target      text NOT NULL,          -- the target schema it was applied for
    model_checksums jsonb,              -- the sender's per-model md5s, or NULL
    PRIMARY KEY (source, target)
);
COMMENT ON TABLE dbt_contract.contract_source IS
    'Internal: one row per applied source (a file, a directory, an inline or manifest source name)';
COMMENT ON COLUMN dbt_contract.contract_source.source IS 'The source key: an absolute path, or the name given to the apply';
COMMENT ON COLUMN dbt_contract.contract_source.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.contract_source.applied_by IS 'The role that called the apply';
COMMENT ON COLUMN dbt_contract.contract_source.target IS 'The target (dbt''s target.schema) the source was applied for';
COMMENT ON COLUMN dbt_contract.contract_source.model_checksums IS
    'The sender''s per-model md5s (metadata.dbt_contract_model_checksums of a manifest), or NULL';

-- One row per model, or per version of a versioned model.
CREATE TABLE dbt_contract.contract_model (
    model_id         bigint PRIMARY KEY,
    model            text NOT NULL,
    version          text,        -- str() of v:, as dbt keys it; NULL: unversioned
    latest_version   text,        -- as declared (the matching v:); NULL: not declared
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
    applied_at       timestamptz NOT NULL,
    target           text NOT NULL,               -- target schema applied for
    persist_relation_docs boolean NOT NULL DEFAULT false,
    persist_column_docs   boolean NOT NULL DEFAULT false,
    is_latest        boolean,     -- the version an unversioned ref() resolves to
    latest_pointer   text         -- dbt 1.12's latest_version_pointer view
);
COMMENT ON TABLE dbt_contract.contract_model IS
    'Internal: one row per model, or per version of a versioned model; read through dbt_contract.models';
COMMENT ON COLUMN dbt_contract.contract_model.version IS 'Model version as dbt keys it (str() of v: -- 2, 4.5, test); NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.contract_model.latest_version IS 'latest_version as declared (the text of the version it names); NULL when not declared';
COMMENT ON COLUMN dbt_contract.contract_model.is_latest IS 'Whether an unversioned ref() resolves to this version (latest_version, else dbt''s max() of the versions); NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.contract_model.latest_pointer IS 'The view dbt 1.12 creates onto this latest version (latest_version_pointer), checked against its contract; NULL: none';
COMMENT ON COLUMN dbt_contract.contract_model.file IS 'The file that declared the model';
COMMENT ON COLUMN dbt_contract.contract_model.defined_at IS 'Where the model was declared, as file:line:col';
COMMENT ON COLUMN dbt_contract.contract_model.relation_schema IS 'Schema of the relation dbt builds for the model';
COMMENT ON COLUMN dbt_contract.contract_model.relation_name IS 'Name of the relation dbt builds for the model';
COMMENT ON COLUMN dbt_contract.contract_model.materialized IS 'Materialization declared in the YAML; NULL when not declared';
COMMENT ON COLUMN dbt_contract.contract_model.enforced IS 'Whether the model''s contract is enforced';
COMMENT ON COLUMN dbt_contract.contract_model.fingerprint IS 'md5 of the contract''s canonical form; an unchanged fingerprint is not rewritten';
COMMENT ON COLUMN dbt_contract.contract_model.target IS 'The target (dbt''s target.schema) the contract was applied for';
COMMENT ON COLUMN dbt_contract.contract_model.persist_relation_docs IS 'The model''s persist_docs: {relation: true}: dbt writes its description as the relation''s comment';
COMMENT ON COLUMN dbt_contract.contract_model.persist_column_docs IS 'The model''s persist_docs: {columns: true}: dbt writes its columns'' descriptions as comments';
CREATE UNIQUE INDEX contract_model_key
    ON dbt_contract.contract_model (target, model, (coalesce(version, '')));
CREATE INDEX contract_model_source
    ON dbt_contract.contract_model (target, source);
-- One contract per relation: the event triggers look contracts up by
-- relation, so a second model naming it (alias, schema, version suffix),
-- in any source or target, must not be able to stand in for the first.
-- The apply refuses that with a message naming both models; this index is
-- the backstop.
CREATE UNIQUE INDEX contract_model_relation
    ON dbt_contract.contract_model (relation_schema, relation_name);
COMMENT ON INDEX dbt_contract.contract_model_key IS
    'One row per target, model and version';
COMMENT ON INDEX dbt_contract.contract_model_source IS
    'The models of a source in one target, for a re-apply';
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
COMMENT ON COLUMN dbt_contract.contract_column.type_oid IS 'data_type resolved by PostgreSQL''s type parser; NULL without a data_type, or when it is not a PostgreSQL type (models without an enforced contract)';
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
    to_version       text,
    to_columns       text[],
    warn_unenforced  boolean NOT NULL,
    warn_unsupported boolean NOT NULL,
    defined_at       text NOT NULL,
    PRIMARY KEY (model_id, ordinal)
);
COMMENT ON TABLE dbt_contract.contract_constraint IS
    'Internal: the column- and model-level constraints of each contract; read through dbt_contract.constraints';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_text IS 'A foreign key''s to: as every path stores it (ref(''m'', v=N) as resolved, a source''s or compiled relation)';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_model IS 'The model a foreign key''s ref() names';
COMMENT ON COLUMN dbt_contract.contract_constraint.defined_at IS 'Where the constraint was declared, as file:line:col';

CREATE TABLE dbt_contract.contract_test (
    model_id   bigint NOT NULL,
    ordinal    int NOT NULL,
    test_name  text NOT NULL,
    columns    text[] NOT NULL,
    arguments  jsonb NOT NULL,
    PRIMARY KEY (model_id, ordinal),
    config     jsonb NOT NULL DEFAULT '{}',
    enabled    boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE dbt_contract.contract_test IS
    'Internal: the data tests declared on each model; read through dbt_contract.tests';
COMMENT ON COLUMN dbt_contract.contract_test.arguments IS 'The arguments passed to the test (config keys excluded)';
COMMENT ON COLUMN dbt_contract.contract_test.config IS 'The test''s config: config keys written at the top level, under arguments: or under config: (severity, where, tags, enabled, ...)';
COMMENT ON COLUMN dbt_contract.contract_test.enabled IS 'false for a test disabled with enabled: false; dbt does not run it';

-- Keys and relationships that semantic models, a model's semantic YAML
-- (dbt 1.12 column entities) and BI tools' meta declare
-- (contract_semantic.c); never enforced, merged by the views keys and
-- relationships.
CREATE TABLE dbt_contract.contract_semantic (
    model_id        bigint NOT NULL,
    ordinal         int NOT NULL,
    derived_from    text NOT NULL,   -- semantic_models, columns, derived_semantics, meta.*
    key_type        text NOT NULL
        CHECK (key_type IN ('primary', 'unique', 'natural', 'foreign', 'join')),
    name            text,            -- the entity's name
    semantic_model  text,
    columns         text[] NOT NULL, -- as written
    to_model        text,            -- meta.joins: the joined model
    to_columns      text[],
    relationship    text CHECK (relationship IN ('many_to_one', 'one_to_one', 'one_to_many')),
    PRIMARY KEY (model_id, ordinal)
);
COMMENT ON TABLE dbt_contract.contract_semantic IS
    'Internal: keys and relationships from semantic models, column entities and BI tools'' meta; read through dbt_contract.keys and dbt_contract.relationships';
COMMENT ON COLUMN dbt_contract.contract_semantic.derived_from IS 'Where it is declared: semantic_models, columns (entity:), derived_semantics, meta.primary_key or meta.joins';
COMMENT ON COLUMN dbt_contract.contract_semantic.key_type IS 'An entity''s type (primary, unique, natural, foreign), primary for meta.primary_key, join for meta.joins';
COMMENT ON COLUMN dbt_contract.contract_semantic.relationship IS 'meta.joins: Lightdash''s relationship, as the direction of a key';
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_semantic', '');
REVOKE ALL ON dbt_contract.contract_semantic FROM PUBLIC;

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
    breaking_accepted text[] NOT NULL,     -- breaking changes that went through
    target            text                 -- NULL: before 0.2.0, source gone
);
COMMENT ON TABLE dbt_contract.apply_history IS
    'Internal: one row per apply; read through dbt_contract.history';
COMMENT ON COLUMN dbt_contract.apply_history.applied_by IS 'The role that called the apply';
COMMENT ON COLUMN dbt_contract.apply_history.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.apply_history.breaking_accepted IS 'The breaking changes that went through with allow_breaking';
COMMENT ON COLUMN dbt_contract.apply_history.target IS 'The target applied for; NULL for an apply before 0.2.0 whose source has no contracts left';

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
       m.materialized, m.enforced, m.description, m.source, m.applied_at,
       m.target, m.persist_relation_docs, m.persist_column_docs,
       m.is_latest, m.latest_pointer
  FROM dbt_contract.contract_model m;
COMMENT ON VIEW dbt_contract.models IS 'Models (and model versions) with a loaded contract';
COMMENT ON COLUMN dbt_contract.models.version IS 'Model version as dbt keys it (2, 4.5, test); NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.models.is_latest IS 'Whether an unversioned ref() resolves to this version; NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.models.latest_pointer IS 'The view dbt 1.12 creates onto this latest version (latest_version_pointer); NULL: none';
COMMENT ON COLUMN dbt_contract.models.materialized IS 'Materialization declared in the YAML; NULL when not declared';
COMMENT ON COLUMN dbt_contract.models.enforced IS 'Whether the contract is enforced on DDL';
COMMENT ON COLUMN dbt_contract.models.source IS 'The source the model was applied from';
COMMENT ON COLUMN dbt_contract.models.target IS 'The target (dbt''s target.schema) the contract was applied for';
COMMENT ON COLUMN dbt_contract.models.persist_relation_docs IS 'persist_docs: {relation: true}: the description becomes the relation''s comment (dbt_contract.sync_descriptions)';
COMMENT ON COLUMN dbt_contract.models.persist_column_docs IS 'persist_docs: {columns: true}: the columns'' descriptions become comments (dbt_contract.sync_descriptions)';

CREATE VIEW dbt_contract.columns AS
SELECT m.model, m.version, c.column_name, c.ordinal, c.data_type,
       c.type_oid::regtype AS type_oid, c.typmod,
       CASE WHEN c.type_oid IS NOT NULL
            THEN pg_catalog.format_type(c.type_oid, c.typmod) END AS formatted_type,
       c.description, c.quoted, m.target,
       CASE WHEN c.data_type IS NOT NULL THEN c.type_oid IS NOT NULL END AS type_resolved
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_column c USING (model_id);
COMMENT ON VIEW dbt_contract.columns IS 'Contract columns, with data_type resolved by PostgreSQL';
COMMENT ON COLUMN dbt_contract.columns.data_type IS 'data_type as written in the YAML';
COMMENT ON COLUMN dbt_contract.columns.formatted_type IS 'The resolved type as PostgreSQL formats it';
COMMENT ON COLUMN dbt_contract.columns.quoted IS 'Whether the column name is used exactly (quote: true)';
COMMENT ON COLUMN dbt_contract.columns.type_resolved IS 'false when data_type is not a PostgreSQL type (allowed only without an enforced contract); NULL without a data_type';

CREATE VIEW dbt_contract.constraints AS
SELECT m.model, m.version, k.constraint_type, k.columns,
       CASE WHEN k.constraint_type = 'foreign_key' AND k.to_model IS NULL
                 AND k.to_text IS NOT NULL
            THEN k.to_text ELSE k.expression END AS expression,
       k.name, k.to_model, k.to_columns, k.level,
       k.warn_unenforced, k.warn_unsupported, k.to_version, m.target
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_constraint k USING (model_id);
COMMENT ON VIEW dbt_contract.constraints IS 'Column- and model-level constraints declared in contracts';
COMMENT ON COLUMN dbt_contract.constraints.level IS 'column or model: where the constraint was declared';
COMMENT ON COLUMN dbt_contract.constraints.to_model IS 'The model a foreign key''s ref() names; NULL for source() and the legacy expression';
COMMENT ON COLUMN dbt_contract.constraints.to_version IS 'The version of to_model the ref() resolves to (an unversioned ref: latest_version of a model in the same apply)';

CREATE VIEW dbt_contract.tests AS
SELECT m.model, m.version, t.test_name, t.columns, t.arguments, m.target,
       t.config, t.enabled
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_test t USING (model_id);
COMMENT ON VIEW dbt_contract.tests IS 'Data tests declared on contracted models (tests: and data_tests:)';
COMMENT ON COLUMN dbt_contract.tests.config IS 'The test''s config (severity, where, tags, enabled, ...), apart from its arguments';
COMMENT ON COLUMN dbt_contract.tests.enabled IS 'false for a disabled test; disabled tests do not count as keys';

CREATE VIEW dbt_contract.history AS
SELECT h.apply_id, h.applied_at, h.applied_by, h.source, h.checksum,
       h.added, h.changed, h.removed, h.unchanged,
       h.allow_breaking, h.breaking_accepted, h.target
  FROM dbt_contract.apply_history h;
COMMENT ON VIEW dbt_contract.history IS
    'One row per apply: when, by whom, which source and content, what changed, which breaking changes were accepted';

GRANT SELECT ON dbt_contract.history TO PUBLIC;

-- What each source last applied for each target, so a client (the dbt
-- package) can tell whether its contracts changed since.
CREATE VIEW dbt_contract.sources AS
SELECT s.source, s.target, s.checksum, s.applied_at, s.applied_by,
       (SELECT count(*) FROM dbt_contract.contract_model m
         WHERE m.target = s.target AND m.source = s.source) AS models,
       s.model_checksums
  FROM dbt_contract.contract_source s;
COMMENT ON VIEW dbt_contract.sources IS
    'One row per source and target: the checksum of what was last applied, when, by whom, and its model count';
COMMENT ON COLUMN dbt_contract.sources.checksum IS
    'md5 of the input that was applied, or the sender''s metadata.dbt_contract_checksum of a manifest';
COMMENT ON COLUMN dbt_contract.sources.model_checksums IS
    'The sender''s md5 of each model it applied (metadata.dbt_contract_model_checksums), so its next run can send only the changed ones; NULL for other inputs';
GRANT SELECT ON dbt_contract.sources TO PUBLIC;
GRANT SELECT ON dbt_contract.models, dbt_contract.columns,
                dbt_contract.constraints, dbt_contract.tests TO PUBLIC;

------------------------------------------------------------------------------
-- Keys and relationships (what BI tools such as Omni consume)
------------------------------------------------------------------------------

-- The attribute name a column written in YAML stands for, by PostgreSQL's
-- identifier rules (the views use it where the checks do, never lower()).
CREATE FUNCTION dbt_contract.written_attname(written text) RETURNS text
AS 'MODULE_PATHNAME', 'dbt_contract_written_attname'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.written_attname(text) IS
    'The attribute name a column written in YAML stands for: a quoted name exactly, otherwise ASCII letters folded, as PostgreSQL does';

-- A version as the number dbt compares it as (when Python's float() reads
-- it; NULL otherwise): the views order versions by it, then by text.
CREATE FUNCTION dbt_contract.version_number(version text) RETURNS float8
AS 'MODULE_PATHNAME', 'dbt_contract_version_number'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.version_number(text) IS
    'Internal: a version as the number dbt compares it as, NULL when it is not one';

-- Internal: a written column name of a model as PostgreSQL names it.
CREATE VIEW dbt_contract.column_names AS
SELECT c.model_id, c.column_name AS written, c.attname
  FROM dbt_contract.contract_column c;
COMMENT ON VIEW dbt_contract.column_names IS
    'Internal: a model''s column names as written and as PostgreSQL names them';

-- Internal: the model a ref('m') or ref('m', v=N) resolves to within one
-- target.  Without a version, a versioned model resolves to the version
-- the loaders marked is_latest (latest_version, or dbt's max()).
CREATE VIEW dbt_contract.ref_targets AS
SELECT m.model, NULL::text AS requested_version, m.model_id, m.version,
       m.relation_schema, m.relation_name, m.target
  FROM dbt_contract.contract_model m
 WHERE m.version IS NULL OR m.is_latest
UNION ALL
SELECT m.model, m.version, m.model_id, m.version, m.relation_schema, m.relation_name,
       m.target
  FROM dbt_contract.contract_model m
 WHERE m.version IS NOT NULL;
COMMENT ON VIEW dbt_contract.ref_targets IS
    'Internal: the model a ref() resolves to within one target, with or without a version';

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
       AND cardinality(t.columns) > 0 AND t.enabled
    UNION ALL
    -- entities of semantic models and column entities (primary, unique,
    -- natural) and meta.primary_key: a declared primary key ranks after
    -- the constraint, a unique entity with the unique constraint; a
    -- natural key (unique only within its validity) is never primary
    SELECT s.model_id, s.columns, 250000 + s.ordinal, s.key_type,
           CASE WHEN s.key_type IN ('primary', 'unique', 'natural') AND s.name IS NOT NULL
                THEN s.derived_from || ' ' || s.key_type || ' entity'
                ELSE s.derived_from END,
           CASE s.key_type WHEN 'primary' THEN 2 WHEN 'unique' THEN 5 ELSE 8 END
      FROM dbt_contract.contract_semantic s
     WHERE s.key_type IN ('primary', 'unique', 'natural')
    UNION ALL
    -- unique columns (a unique or unique_combination_of_columns test) that
    -- are all not null (a not_null test or constraint): dbt's third rung
    SELECT u.model_id, u.columns, 200000 + u.ordinal, 'unique', 'not_null+unique tests', 3
      FROM dbt_contract.contract_test u
     WHERE u.test_name IN ('unique', 'dbt_utils.unique_combination_of_columns',
                           'unique_combination_of_columns')
       AND cardinality(u.columns) > 0 AND u.enabled
       AND NOT EXISTS (
           SELECT 1 FROM unnest(u.columns) AS c(col)
            WHERE NOT EXISTS (SELECT 1 FROM dbt_contract.contract_test n
                               WHERE n.model_id = u.model_id AND n.test_name = 'not_null'
                                 AND n.columns = ARRAY[c.col] AND n.enabled)
              -- by attribute name: a test column may be written quoted
              AND NOT EXISTS (SELECT 1 FROM dbt_contract.contract_constraint n,
                                            unnest(n.columns) AS nc(col)
                               WHERE n.model_id = u.model_id
                                 AND n.constraint_type = 'not_null'
                                 AND coalesce((SELECT cn.attname FROM dbt_contract.column_names cn
                                                WHERE cn.model_id = n.model_id AND cn.written = nc.col),
                                              dbt_contract.written_attname(nc.col))
                                   = coalesce((SELECT cn.attname FROM dbt_contract.column_names cn
                                                WHERE cn.model_id = u.model_id AND cn.written = c.col),
                                              dbt_contract.written_attname(c.col))))
), named AS (
    SELECT d.model_id, d.key_type, d.derived_from, d.rung, d.ordinal,
           ARRAY(SELECT coalesce(cn.attname, dbt_contract.written_attname(w.col))
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

-- Internal: the primary_key dbt's infer_primary_key writes into a model's
-- manifest node, by dbt's own rule: the columns of the first model-level
-- primary_key constraint; else the first column (in column order) with a
-- column-level one; else every column with a not_null test that also has
-- a unique or unique_combination_of_columns test (enabled or not); else
-- every column of the enabled ones; else of the disabled ones; else none.  Tests count by name whatever their package;
-- not_null and unique constraints play no part.  From the third rung on
-- dbt collects the columns in a set, whose order varies between runs:
-- here they are sorted.  Columns are named as written.
CREATE VIEW dbt_contract.dbt_primary_keys AS
WITH test_columns AS (
    SELECT t.model_id, regexp_replace(t.test_name, '^.*\.', '') AS test, c.col, t.enabled
      FROM dbt_contract.contract_test t, unnest(t.columns) AS c(col)
     WHERE regexp_replace(t.test_name, '^.*\.', '')
           IN ('unique', 'unique_combination_of_columns', 'not_null')
)
SELECT m.model_id,
       coalesce(
           (SELECT k.columns FROM dbt_contract.contract_constraint k
             WHERE k.model_id = m.model_id AND k.level = 'model'
               AND k.constraint_type = 'primary_key'
             ORDER BY k.ordinal LIMIT 1),
           (SELECT k.columns FROM dbt_contract.contract_constraint k
              JOIN dbt_contract.contract_column c
                ON c.model_id = k.model_id AND c.column_name = k.columns[1]
             WHERE k.model_id = m.model_id AND k.level = 'column'
               AND k.constraint_type = 'primary_key'
             ORDER BY c.ordinal LIMIT 1),
           (SELECT array_agg(DISTINCT n.col ORDER BY n.col) FROM test_columns n
             WHERE n.model_id = m.model_id AND n.test = 'not_null'
               AND EXISTS (SELECT 1 FROM test_columns u
                            WHERE u.model_id = n.model_id AND u.test <> 'not_null'
                              AND u.col = n.col)),
           (SELECT array_agg(DISTINCT u.col ORDER BY u.col) FROM test_columns u
             WHERE u.model_id = m.model_id AND u.test <> 'not_null' AND u.enabled),
           (SELECT array_agg(DISTINCT u.col ORDER BY u.col) FROM test_columns u
             WHERE u.model_id = m.model_id AND u.test <> 'not_null' AND NOT u.enabled),
           '{}') AS primary_key
  FROM dbt_contract.contract_model m;
COMMENT ON VIEW dbt_contract.dbt_primary_keys IS
    'Internal: the primary_key dbt''s infer_primary_key gives each model (its manifest node''s primary_key)';

CREATE VIEW dbt_contract.keys AS
SELECT m.model, m.version,
       pg_catalog.quote_ident(m.relation_schema) || '.' ||
       pg_catalog.quote_ident(m.relation_name) AS relation,
       k.key_columns, k.key_type, k.derived_from,
       k.key_type <> 'natural'
       AND row_number() OVER (PARTITION BY k.model_id
                              ORDER BY k.key_type = 'natural', k.rung, k.ordinal,
                                       k.sorted_columns) = 1 AS is_primary,
       m.target,
       d.primary_key AS dbt_primary_key
  FROM dbt_contract.key_candidates k
  JOIN dbt_contract.contract_model m USING (model_id)
  JOIN dbt_contract.dbt_primary_keys d USING (model_id);
COMMENT ON VIEW dbt_contract.keys IS
    'Primary and unique keys of contracted models, derived from constraints, tests and the catalog; is_primary picks one, dbt_primary_key is what dbt''s infer_primary_key gives';
COMMENT ON COLUMN dbt_contract.keys.derived_from IS 'Where the key comes from: a constraint, a test, or the catalog';
COMMENT ON COLUMN dbt_contract.keys.is_primary IS 'The one key per model the extension takes as primary: a ladder after dbt''s infer_primary_key that always picks one declared or live key (dbt_primary_key is dbt''s own)';
COMMENT ON COLUMN dbt_contract.keys.dbt_primary_key IS 'The primary_key dbt itself infers for the model (infer_primary_key), beside is_primary: the same on every row of the model';

-- A relationship target read as the loader and the checks read it
-- (contract_target.c), so that the views have no parser of their own:
-- kind 'ref', 'source' (with the relation dbt names it by default) or
-- 'relation' (a relation name, or the legacy foreign_key expression with
-- the columns it references), NULL for a text that is none of these.
-- Unquoted names fold as PostgreSQL folds them.
CREATE FUNCTION dbt_contract.parse_target(target text,
    OUT kind text, OUT package text, OUT model text, OUT version text,
    OUT source_name text, OUT table_name text,
    OUT relation_catalog text, OUT relation_schema text, OUT relation_name text,
    OUT relation text, OUT columns text[])
RETURNS record
AS 'MODULE_PATHNAME', 'dbt_contract_parse_target'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.parse_target(text) IS
    'Internal: a relationship target (ref(), source(), a relation name or the legacy foreign_key expression) read as the loader reads it';

-- The name a relationship target goes by in Omni's on_sql: the model of
-- ref('m') / ref('pkg', 'm', v=2), the table of source('s', 't'), or the
-- last part of a relation name (folded unless quoted); the text itself
-- when it is none of these.
CREATE FUNCTION dbt_contract.target_name(target text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(CASE p.kind WHEN 'ref' THEN p.model ELSE p.relation_name END, target)
  FROM dbt_contract.parse_target(target) p
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
           k.to_columns AS to_written, k.to_text IS NULL AS legacy,
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
           false,
           CASE t.test_name WHEN 'relationships' THEN 'relationships test'
                ELSE 'dbt_constraints.foreign_key test' END,
           CASE t.test_name WHEN 'relationships' THEN 2 ELSE 3 END,
           NULL
      FROM dbt_contract.contract_test t
     WHERE t.test_name IN ('relationships', 'dbt_constraints.foreign_key')
), targeted AS (
    -- what a target names, read as the loader and the checks read it
    -- (parse_target): a ref(), a source() as its table's relation, or a
    -- relation name with, in the legacy expression, its columns; a ref()
    -- the loader resolved needs no reading
    SELECT r.from_id, r.from_written,
           coalesce(r.to_written,
                    CASE WHEN r.legacy
                         THEN ARRAY(SELECT pg_catalog.quote_ident(c.col)
                                      FROM unnest(p.columns) WITH ORDINALITY AS c(col, ord)
                                     ORDER BY c.ord) END) AS to_written,
           r.derived_from, r.prio, r.constraint_name, r.target_text,
           coalesce(r.to_model, p.model) AS ref_model,
           coalesce(r.to_version, p.version) AS ref_version,
           -- quoted where needed, as quote_ident quotes the models' names
           CASE WHEN p.kind IN ('source', 'relation') THEN p.relation END AS written_relation
      FROM raw r
      CROSS JOIN LATERAL dbt_contract.parse_target(
            CASE WHEN r.to_model IS NULL THEN r.target_text END) p
    UNION ALL
    -- a foreign entity: to the model whose primary (else unique or
    -- natural) entity has its name, in the same target
    SELECT f.model_id, f.columns, e.columns, f.derived_from || ' foreign entity', 5, NULL,
           format('ref(%L)', e.model), e.model, e.version, NULL
      FROM dbt_contract.contract_semantic f
      JOIN dbt_contract.contract_model fm ON fm.model_id = f.model_id
      JOIN LATERAL (
            SELECT s.columns, m.model, m.version
              FROM dbt_contract.contract_semantic s
              JOIN dbt_contract.contract_model m ON m.model_id = s.model_id
             WHERE m.target = fm.target AND s.name = f.name AND s.model_id <> f.model_id
               AND s.key_type IN ('primary', 'unique', 'natural')
             ORDER BY CASE s.key_type WHEN 'primary' THEN 0 WHEN 'unique' THEN 1 ELSE 2 END,
                      m.model, m.version
             LIMIT 1) e ON true
     WHERE f.key_type = 'foreign'
    UNION ALL
    -- Lightdash meta.joins: this model to the joined one, or (one-to-many)
    -- the joined one to this
    SELECT CASE WHEN j.relationship = 'one_to_many' THEN jm.model_id ELSE j.model_id END,
           CASE WHEN j.relationship = 'one_to_many' THEN j.to_columns ELSE j.columns END,
           CASE WHEN j.relationship = 'one_to_many' THEN j.columns ELSE j.to_columns END,
           'meta.joins', 6, NULL,
           format('ref(%L)', CASE WHEN j.relationship = 'one_to_many' THEN fm.model ELSE j.to_model END),
           CASE WHEN j.relationship = 'one_to_many' THEN fm.model ELSE j.to_model END,
           CASE WHEN j.relationship = 'one_to_many' THEN fm.version END,
           NULL
      FROM dbt_contract.contract_semantic j
      JOIN dbt_contract.contract_model fm ON fm.model_id = j.model_id
      LEFT JOIN dbt_contract.ref_targets jm
             ON jm.target = fm.target AND jm.model = j.to_model AND jm.requested_version IS NULL
     WHERE j.key_type = 'join'
       AND (j.relationship <> 'one_to_many' OR jm.model_id IS NOT NULL)
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
       AND tm.target = fm.target
     WHERE con.contype = 'f'
)
SELECT t.from_id, t.derived_from, t.prio, t.constraint_name,
       ARRAY(SELECT coalesce(cn.attname, dbt_contract.written_attname(pg_catalog.btrim(w.col)))
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
       ARRAY(SELECT coalesce(cn.attname, dbt_contract.written_attname(pg_catalog.btrim(w.col)))
               FROM unnest(t.to_written) WITH ORDINALITY AS w(col, ord)
               LEFT JOIN dbt_contract.column_names cn
                      ON cn.model_id = coalesce(rt.model_id, wm.model_id) AND cn.written = pg_catalog.btrim(w.col)
              ORDER BY w.ord) AS to_columns
  FROM targeted t
  -- a ref() resolves within the target of the model that makes it
  JOIN dbt_contract.contract_model ft ON ft.model_id = t.from_id
  LEFT JOIN dbt_contract.ref_targets rt
         ON rt.target = ft.target
        AND rt.model = t.ref_model
        AND rt.requested_version IS NOT DISTINCT FROM t.ref_version
  LEFT JOIN LATERAL (
        -- a legacy or source() target that is itself a contracted relation
        SELECT m.model_id, m.relation_schema, m.relation_name
          FROM dbt_contract.contract_model m
          JOIN dbt_contract.contract_model f ON f.model_id = t.from_id
         WHERE t.written_relation IS NOT NULL
           AND m.target = f.target
           -- written_relation is parse_target's, folded as PostgreSQL folds
           -- names: an unqualified one is in the model's own schema
           AND (pg_catalog.quote_ident(m.relation_schema) || '.' ||
                pg_catalog.quote_ident(m.relation_name) = t.written_relation
                OR (m.relation_schema = f.relation_schema
                    AND pg_catalog.quote_ident(m.relation_name) = t.written_relation))
         ORDER BY m.version IS NULL DESC, m.is_latest DESC,
                  dbt_contract.version_number(m.version) DESC NULLS LAST, m.version DESC
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
     WHERE k.key_type <> 'natural'
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
    SELECT g.*, fm.target, fm.model AS from_model, fm.version AS from_version,
           pg_catalog.quote_ident(fm.relation_schema) || '.' ||
           pg_catalog.quote_ident(fm.relation_name) AS from_relation,
           fm.relation_name AS from_name,
           tm.model AS to_model, tm.version AS to_version,
           -- the target as a relation: a loaded model's, or a written
           -- relation name as parse_target reads one (a ref() to no
           -- loaded model is none)
           (SELECT c.oid FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = fm.relation_schema AND c.relname = fm.relation_name) AS from_oid,
           CASE WHEN tm.model_id IS NOT NULL
                THEN (SELECT c.oid FROM pg_catalog.pg_class c
                        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = tm.relation_schema AND c.relname = tm.relation_name)
                WHEN tp.kind = 'relation' AND cardinality(tp.columns) = 0
                THEN pg_catalog.to_regclass(tp.relation)::oid END AS to_oid,
           tm.model_id IS NOT NULL
           OR (tp.kind = 'relation' AND cardinality(tp.columns) = 0) AS to_is_relation
      FROM grouped g
      JOIN dbt_contract.contract_model fm ON fm.model_id = g.from_id
      LEFT JOIN dbt_contract.contract_model tm ON tm.model_id = g.to_id
      CROSS JOIN LATERAL dbt_contract.parse_target(
            CASE WHEN tm.model_id IS NULL THEN g.to_relation END) tp
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
          JOIN unnest(l.to_columns) WITH ORDINALITY AS t(col, ord) USING (ord)) END AS join_sql,
       l.target
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
RETURNS TABLE (model text, version text, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply(text, text, boolean) IS
    'Load the dbt contracts of a YAML file, or of every YAML file below a directory';

CREATE FUNCTION dbt_contract_apply_yaml(yaml text, source text DEFAULT 'inline',
                                        target_schema text DEFAULT NULL,
                                        allow_breaking boolean DEFAULT false)
RETURNS TABLE (model text, version text, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply_yaml'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) IS
    'Load the dbt contracts of YAML text, as the named source';

-- Contracts from dbt's manifest.json, or from the compact object the
-- dbt_contract package sends at on-run-start: {"nodes": {...}}.
CREATE FUNCTION dbt_contract_apply_manifest(manifest jsonb, source text DEFAULT 'manifest',
                                            allow_breaking boolean DEFAULT false,
                                            target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version text, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply_manifest'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean, text) IS
    'Load the contracts of a dbt manifest (model nodes, columns, constraints, tests) for a target, relations as compiled';

-- Dev schemas: views onto production relations a dev schema lacks.
CREATE FUNCTION dbt_contract_clone(from_schema text, to_schema text)
RETURNS TABLE (model text, relation text, action text)
AS 'MODULE_PATHNAME', 'dbt_contract_clone'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_clone(text, text) IS
    'Create views in a dev target (or schema) for the contracted relations of production it lacks, placed by both targets'' contracts (dbt clone''s fallback on PostgreSQL)';
REVOKE ALL ON FUNCTION dbt_contract_clone(text, text) FROM PUBLIC;

-- What an apply would do, changing nothing.
CREATE FUNCTION dbt_contract_diff(path text, target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version text, change text, detail text, breaking boolean)
AS 'MODULE_PATHNAME', 'dbt_contract_diff'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_diff(text, text) IS
    'What dbt_contract_apply of this path would change, and which changes break contracts';

CREATE FUNCTION dbt_contract_diff_yaml(yaml text, source text DEFAULT 'inline',
                                       target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version text, change text, detail text, breaking boolean)
AS 'MODULE_PATHNAME', 'dbt_contract_diff_yaml'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_diff_yaml(text, text, text) IS
    'What dbt_contract_apply_yaml of this text would change, and which changes break contracts';

REVOKE ALL ON FUNCTION dbt_contract_apply(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_apply_yaml(text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean, text) FROM PUBLIC;

-- What a target's contracts (a pull request's, a developer's) change
-- against another's (production's), by dbt's breaking-change rules.
CREATE FUNCTION dbt_contract_diff_targets(base_target text, head_target text)
RETURNS TABLE (model text, version text, change text, detail text, breaking boolean)
AS 'MODULE_PATHNAME', 'dbt_contract_diff_targets'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION dbt_contract_diff_targets(text, text) IS
    'What the contracts of head_target change against those of base_target, and which changes break them';
REVOKE ALL ON FUNCTION dbt_contract_diff(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_diff_yaml(text, text, text) FROM PUBLIC;

-- The lifecycle of a target: what is loaded for each, and dropping one
-- (the end of a CI run).  A dropped schema leaves its target's contracts
-- in place (the sql_drop trigger says so); this removes them.
CREATE FUNCTION dbt_contract_drop_target(target text)
RETURNS TABLE (kind text, removed bigint, names text[])
AS 'MODULE_PATHNAME', 'dbt_contract_drop_target'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION dbt_contract_drop_target(text) IS
    'Remove one target''s contracts, sources, apply history and clone records; allowed to whoever may apply for the target';
REVOKE ALL ON FUNCTION dbt_contract_drop_target(text) FROM PUBLIC;

CREATE VIEW dbt_contract.targets AS
WITH t AS (SELECT target FROM dbt_contract.contract_model
           UNION
           SELECT target FROM dbt_contract.contract_source)
SELECT t.target,
       (SELECT count(*) FROM dbt_contract.contract_model m
         WHERE m.target = t.target) AS models,
       (SELECT count(*) FROM dbt_contract.contract_model m
         WHERE m.target = t.target AND m.enforced) AS enforced_models,
       (SELECT count(*) FROM dbt_contract.contract_source s
         WHERE s.target = t.target) AS sources,
       last.applied_at AS last_applied_at,
       last.applied_by AS last_applied_by,
       EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n
                WHERE n.nspname = t.target) AS schema_exists
  FROM t
  LEFT JOIN LATERAL (
        SELECT a.applied_at, a.applied_by
          FROM (SELECT h.applied_at, h.applied_by FROM dbt_contract.apply_history h
                 WHERE h.target = t.target
                UNION ALL
                SELECT s.applied_at, s.applied_by FROM dbt_contract.contract_source s
                 WHERE s.target = t.target) a
         ORDER BY a.applied_at DESC
         LIMIT 1) last ON true;
COMMENT ON VIEW dbt_contract.targets IS
    'Each target with contracts: its model count, its last apply and by whom, and whether its schema exists';
COMMENT ON COLUMN dbt_contract.targets.target IS 'The target (dbt''s target.schema)';
COMMENT ON COLUMN dbt_contract.targets.models IS 'Models (versions counted apart) loaded for the target';
COMMENT ON COLUMN dbt_contract.targets.enforced_models IS 'Of those, the ones with an enforced contract';
COMMENT ON COLUMN dbt_contract.targets.sources IS 'Sources (files, directories, dbt projects) applied for the target';
COMMENT ON COLUMN dbt_contract.targets.last_applied_at IS 'When the target was last applied for';
COMMENT ON COLUMN dbt_contract.targets.last_applied_by IS 'The role (session user) of the last apply';
COMMENT ON COLUMN dbt_contract.targets.schema_exists IS 'false once the target''s base schema is dropped: dbt_contract_drop_target removes what is left';
GRANT SELECT ON dbt_contract.targets TO PUBLIC;

------------------------------------------------------------------------------
-- Reports: verify, check, DDL, repair, Omni
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract_verify(target text DEFAULT NULL)
RETURNS TABLE (model text, version text, relation text, object text,
               problem text, have text, want text, target text)
AS 'MODULE_PATHNAME', 'dbt_contract_verify'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_verify(text) IS
    'Every discrepancy between enforced contracts (of every target, or of one) and the live catalog';

CREATE FUNCTION dbt_contract_check(rel regclass)
RETURNS TABLE (model text, version text, relation text, object text,
               problem text, have text, want text, target text)
AS 'MODULE_PATHNAME', 'dbt_contract_check'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION dbt_contract_check(regclass) IS
    'Discrepancies between one relation and its contract';

CREATE VIEW dbt_contract.violations AS
SELECT * FROM dbt_contract_verify();
COMMENT ON VIEW dbt_contract.violations IS
    'Every discrepancy between enforced contracts and the live catalog (dbt_contract_verify())';
GRANT SELECT ON dbt_contract.violations TO PUBLIC;

CREATE FUNCTION dbt_contract_ddl(model text, version text DEFAULT NULL,
                                 target text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'dbt_contract_ddl'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_ddl(text, text, text) IS
    'The CREATE TABLE a model''s contract (in one target) implies';
-- 0.1.0's signature: dbt_contract_ddl('m', 2) keeps working.
CREATE FUNCTION dbt_contract_ddl(model text, version int, target text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.dbt_contract_ddl(model, version::text, target) $$;
COMMENT ON FUNCTION dbt_contract_ddl(text, int, text) IS
    'dbt_contract_ddl(model, version::text, target): the integer versions of 0.1.0''s signature';

CREATE FUNCTION dbt_contract_repair(rel regclass DEFAULT NULL)
RETURNS TABLE (model text, version text, relation text, object text, statement text)
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

-- A version as written back into YAML (v:) or a ref() (v=): a number as
-- Python writes it stays plain, anything else is quoted, so that dbt
-- keys it by the same text.
CREATE FUNCTION dbt_contract.version_literal(v text, kind text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN v ~ '^-?[0-9]+([.][0-9]+)?$' AND v !~ '^-?0[0-9]' THEN v
            WHEN kind = 'jinja' THEN quote_literal(v)
            ELSE dbt_contract.yaml_scalar(v) END
$$;
COMMENT ON FUNCTION dbt_contract.version_literal(text, text) IS
    'Internal: a version as a YAML (kind yaml) or Jinja (kind jinja) literal dbt reads back as the same version';

-- The one target the models (NULL: all) are loaded for, NULL when none
-- is; several are an error whose hint shows the call (example, with %L
-- for a target) naming one.
CREATE FUNCTION dbt_contract.only_target(models text[], example text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    loaded text[];
BEGIN
    SELECT array_agg(DISTINCT m.target ORDER BY m.target) INTO loaded
      FROM dbt_contract.models m
     WHERE only_target.models IS NULL OR m.model = ANY (only_target.models);
    IF cardinality(loaded) > 1 THEN
        RAISE EXCEPTION 'contracts are loaded for % targets', cardinality(loaded)
            USING ERRCODE = 'ambiguous_parameter',
                  DETAIL = 'The targets are ' || array_to_string(loaded, ', ') || '.',
                  HINT = 'Name one, as in ' || format(example, loaded[1]) || '.';
    END IF;
    RETURN loaded[1];
END
$$;
COMMENT ON FUNCTION dbt_contract.only_target(text[], text) IS
    'Internal: the one target the models are loaded for (an error when there are several)';

-- The relationships of one target as an Omni relationships file.  Views
-- are named as in on_sql: by relation name (a ref() no contract resolves:
-- by model name).  Without a target: the only one there is.
CREATE FUNCTION dbt_contract_omni_relationships(target text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- the relationships are worked out once (MATERIALIZED): joined to the
-- models un-materialized, the planner would work them out per model; and
-- compiling the big query would take longer than running it
SET jit = off
AS $$
DECLARE
    chosen text := coalesce(dbt_contract_omni_relationships.target,
                            dbt_contract.only_target(NULL, 'dbt_contract_omni_relationships(%L)'));
    result text;
BEGIN

    WITH rel AS MATERIALIZED (
        SELECT * FROM dbt_contract.relationships r
         WHERE r.on_sql IS NOT NULL AND r.target = chosen
    )
    SELECT coalesce(string_agg(
             format(E'- join_from_view: %s\n  join_to_view: %s\n  on_sql: %s\n  relationship_type: %s\n  join_type: always_left\n',
                    dbt_contract.yaml_scalar(x.from_name), dbt_contract.yaml_scalar(x.to_name),
                    dbt_contract.yaml_scalar(x.on_sql), x.relationship_type),
             '' ORDER BY x.from_name, x.to_name, x.on_sql), '')
      INTO result
      FROM (SELECT fm.relation_name AS from_name,
                   coalesce(tm.relation_name, dbt_contract.target_name(rel.to_relation)) AS to_name,
                   rel.on_sql, rel.relationship_type
              FROM rel
              JOIN dbt_contract.models fm
                ON fm.target = rel.target
               AND fm.model = rel.from_model
               AND fm.version IS NOT DISTINCT FROM rel.from_version
              LEFT JOIN dbt_contract.models tm
                     ON tm.target = rel.target
                    AND tm.model = rel.to_model
                    AND tm.version IS NOT DISTINCT FROM rel.to_version) x;
    RETURN result;
END
$$;
COMMENT ON FUNCTION dbt_contract_omni_relationships(text) IS
    'The relationships of one target (dbt_contract.relationships) as an Omni relationships file (YAML)';

------------------------------------------------------------------------------
-- BI exports (OSI/Ossie, Lightdash, Cube, dbt semantic models), the ER
-- diagram, and NOT ENFORCED foreign keys for tools that read the catalog.
-- All are built from the public views keys, relationships and columns, and
-- run as the caller.
------------------------------------------------------------------------------

-- The models an export covers: every model (models => NULL) or the named
-- ones, of one target.  Without a target: the only target those models
-- are loaded for (like dbt_contract_omni_relationships, an error when
-- there are several).
CREATE FUNCTION dbt_contract.export_scope(models text[], target text)
RETURNS TABLE (model text, version text, label text, relation text,
               relation_name text, description text, scope_target text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    chosen text := export_scope.target;
    missing text;
BEGIN
    IF chosen IS NULL THEN
        chosen := dbt_contract.only_target(models, 'target => %L');
    ELSIF NOT EXISTS (SELECT 1 FROM dbt_contract.models m WHERE m.target = chosen) THEN
        RAISE EXCEPTION 'no contracts are loaded for target "%"', chosen
            USING ERRCODE = 'undefined_object',
                  HINT = 'dbt_contract.models lists the loaded contracts with their targets.';
    END IF;
    SELECT n INTO missing
      FROM unnest(models) WITH ORDINALITY AS f(n, o)
     WHERE NOT EXISTS (SELECT 1 FROM dbt_contract.models m
                        WHERE m.model = f.n AND m.target = chosen)
     ORDER BY f.o LIMIT 1;
    IF missing IS NOT NULL THEN
        IF export_scope.target IS NULL THEN
            RAISE EXCEPTION 'no contract is loaded for model "%"', missing
                USING ERRCODE = 'undefined_object';
        END IF;
        RAISE EXCEPTION 'no contract is loaded for model "%" in target "%"', missing, chosen
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    SELECT m.model, m.version,
           m.model || coalesce('_v' || replace(m.version, '.', '_'), ''),
           format('%I.%I', m.relation_schema, m.relation_name),
           m.relation_name, m.description, m.target
      FROM dbt_contract.models m
     WHERE m.target = chosen
       AND (export_scope.models IS NULL OR m.model = ANY (export_scope.models));
END
$$;
COMMENT ON FUNCTION dbt_contract.export_scope(text[], text) IS
    'Internal: the models of one target an export or diagram covers (all, or the named ones)';

-- The relationships between two models of a scope, the keys of its models
-- and their columns, each end named by label (model, _vN for a version) and
-- by relation name.  Relationships to sources and to models with no loaded
-- contract are left out: a BI tool could not join to them.
CREATE FUNCTION dbt_contract.export_relationships(models text[], target text)
RETURNS TABLE (from_label text, from_name text, from_columns text[],
               to_label text, to_name text, to_columns text[],
               relationship_type text, enforced boolean, derived_from text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH scope AS MATERIALIZED (SELECT * FROM dbt_contract.export_scope(models, target))
SELECT f.label, f.relation_name, r.from_columns, t.label, t.relation_name, r.to_columns,
       r.relationship_type, r.enforced, r.derived_from
  FROM dbt_contract.relationships r
  JOIN scope f ON f.scope_target = r.target AND f.model = r.from_model
              AND f.version IS NOT DISTINCT FROM r.from_version
  JOIN scope t ON t.scope_target = r.target AND t.model = r.to_model
              AND t.version IS NOT DISTINCT FROM r.to_version
 WHERE cardinality(r.to_columns) = cardinality(r.from_columns)
 ORDER BY 1, 4, 3, 6
$$;
COMMENT ON FUNCTION dbt_contract.export_relationships(text[], text) IS
    'Internal: the relationships between two models of an export';

-- A contract column's name as PostgreSQL spells it: quoted names as
-- written, others by PostgreSQL's identifier rules (written_attname).
CREATE FUNCTION dbt_contract.column_ident(column_name text, quoted boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN quoted THEN column_name
            ELSE dbt_contract.written_attname(column_name) END
$$;
COMMENT ON FUNCTION dbt_contract.column_ident(text, boolean) IS
    'Internal: a contract column''s name as PostgreSQL spells it';

-- The columns of the models of a scope, with a portable class of type
-- (integer, decimal, float, boolean, date, time, timestamp, timestamptz,
-- string, other; NULL without a data_type), a domain classed by its base.
CREATE FUNCTION dbt_contract.export_columns(models text[], target text)
RETURNS TABLE (label text, ordinal int, column_name text, type_class text,
               formatted_type text, description text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT s.label, c.ordinal, dbt_contract.column_ident(c.column_name, c.quoted),
       CASE WHEN b.oid IS NULL THEN NULL
            WHEN b.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'integer'
            WHEN b.oid = 'numeric'::regtype THEN 'decimal'
            WHEN b.oid IN ('float4'::regtype, 'float8'::regtype) THEN 'float'
            WHEN b.oid = 'bool'::regtype THEN 'boolean'
            WHEN b.oid = 'date'::regtype THEN 'date'
            WHEN b.oid IN ('time'::regtype, 'timetz'::regtype) THEN 'time'
            WHEN b.oid = 'timestamp'::regtype THEN 'timestamp'
            WHEN b.oid = 'timestamptz'::regtype THEN 'timestamptz'
            WHEN b.typcategory = 'S' THEN 'string'
            ELSE 'other' END,
       c.formatted_type, c.description
  FROM dbt_contract.export_scope(models, target) s
  JOIN dbt_contract.columns c
    ON c.target = s.scope_target AND c.model = s.model AND c.version IS NOT DISTINCT FROM s.version
  LEFT JOIN pg_type t ON t.oid = c.type_oid
  LEFT JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
$$;
COMMENT ON FUNCTION dbt_contract.export_columns(text[], text) IS
    'Internal: the columns of an export''s models, with a portable class of type';

-- The keys of the models of a scope.
CREATE FUNCTION dbt_contract.export_keys(models text[], target text)
RETURNS TABLE (label text, key_columns text[], is_primary boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
SELECT s.label, k.key_columns, k.is_primary
  FROM dbt_contract.export_scope(models, target) s
  JOIN dbt_contract.keys k
    ON k.target = s.scope_target AND k.model = s.model AND k.version IS NOT DISTINCT FROM s.version
$$;
COMMENT ON FUNCTION dbt_contract.export_keys(text[], text) IS
    'Internal: the keys of an export''s models';

-- A name as Cube and dbt's semantic layer accept it: lower-case letters,
-- digits and single underscores, starting with a letter.
CREATE FUNCTION dbt_contract.cube_name(n text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN s ~ '^[a-z]' THEN s ELSE 'm_' || s END
  FROM (SELECT btrim(regexp_replace(regexp_replace(lower(n), '[^a-z0-9]+', '_', 'g'),
                                    '_+', '_', 'g'), '_') AS s) q
$$;
COMMENT ON FUNCTION dbt_contract.cube_name(text) IS
    'Internal: a name as Cube and dbt semantic models accept it';

-- Open Semantic Interchange (Apache Ossie): one semantic model whose
-- datasets are the models, with their source relation, keys and columns,
-- and whose relationships are the relationships between them.  The schema
-- has no cardinality field (a consumer reads it off the keys), so it also
-- travels in a custom extension with enforcement and provenance.
CREATE FUNCTION dbt_contract_export_osi(models text[] DEFAULT NULL,
                                        target text DEFAULT NULL,
                                        name text DEFAULT 'dbt_contract')
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH scope AS MATERIALIZED (SELECT * FROM dbt_contract.export_scope(models, target)),
cols AS MATERIALIZED (SELECT * FROM dbt_contract.export_columns(models, target)),
keys AS MATERIALIZED (SELECT * FROM dbt_contract.export_keys(models, target)),
rels AS MATERIALIZED (
    SELECT r.*, row_number() OVER (PARTITION BY r.from_name, r.from_columns, r.to_name
                                   ORDER BY r.to_columns) AS n
      FROM dbt_contract.export_relationships(models, target) r
),
datasets AS (
    -- absent keys, descriptions and types are left out (jsonb_strip_nulls)
    SELECT s.relation_name, jsonb_strip_nulls(jsonb_build_object(
               'name', s.relation_name,
               'source', format('%I.', current_database()) || s.relation,
               'description', s.description,
               'primary_key', (SELECT to_jsonb(k.key_columns) FROM keys k
                                WHERE k.label = s.label AND k.is_primary),
               'unique_keys', (SELECT jsonb_agg(to_jsonb(k.key_columns) ORDER BY k.key_columns)
                                 FROM keys k WHERE k.label = s.label AND NOT k.is_primary),
               'fields', (SELECT jsonb_agg(jsonb_build_object(
                                     'name', c.column_name,
                                     'expression', jsonb_build_object('dialects', jsonb_build_array(
                                         jsonb_build_object('dialect', 'ANSI_SQL',
                                                            'expression', quote_ident(c.column_name)))),
                                     'datatype', CASE c.type_class
                                          WHEN 'integer' THEN 'Integer' WHEN 'decimal' THEN 'Decimal'
                                          WHEN 'float' THEN 'Float' WHEN 'boolean' THEN 'Boolean'
                                          WHEN 'date' THEN 'Date' WHEN 'time' THEN 'Time'
                                          WHEN 'timestamp' THEN 'DateTime'
                                          WHEN 'timestamptz' THEN 'DateTimeTz'
                                          WHEN 'string' THEN 'String'
                                          WHEN 'other' THEN 'Opaque' END,
                                     'description', c.description)
                                 ORDER BY c.ordinal)
                            FROM cols c WHERE c.label = s.label),
               'custom_extensions', jsonb_build_array(jsonb_build_object(
                   'vendor_name', 'DBT',
                   'data', jsonb_build_object('model', s.model, 'version',
                                                     CASE WHEN s.version ~ '^-?[0-9]+([.][0-9]+)?$'
                                                          THEN to_jsonb(s.version::numeric)
                                                          ELSE to_jsonb(s.version) END)::text))))
               AS doc
      FROM scope s
)
SELECT jsonb_build_object(
    'version', '0.2.0.dev0',
    'semantic_model', coalesce((
        SELECT jsonb_build_array(jsonb_build_object(
                   'name', name,
                   'description', 'Models, keys and relationships from dbt contracts (dbt_contract)',
                   'datasets', (SELECT jsonb_agg(d.doc ORDER BY d.relation_name) FROM datasets d),
                   'relationships', coalesce((
                       SELECT jsonb_agg(jsonb_build_object(
                                  'name', r.from_name || '_' || array_to_string(r.from_columns, '_')
                                          || '_' || r.to_name || CASE WHEN r.n > 1 THEN '_' || r.n ELSE '' END,
                                  'from', r.from_name,
                                  'to', r.to_name,
                                  'from_columns', to_jsonb(r.from_columns),
                                  'to_columns', to_jsonb(r.to_columns),
                                  'custom_extensions', jsonb_build_array(jsonb_build_object(
                                      'vendor_name', 'DBT',
                                      'data', jsonb_build_object(
                                          'cardinality', r.relationship_type,
                                          'enforced', r.enforced,
                                          'derived_from', r.derived_from)::text)))
                                ORDER BY r.from_name, r.to_name, r.from_columns, r.n)
                         FROM rels r), '[]')))
         WHERE EXISTS (SELECT 1 FROM scope)), '[]'))
$$;
COMMENT ON FUNCTION dbt_contract_export_osi(text[], text, text) IS
    'The models, keys and relationships as an Open Semantic Interchange (Apache Ossie) document';

-- Lightdash: per model, meta.primary_key and meta.joins (join, sql_on,
-- relationship) under config:, ready to merge into schema.yml.  Lightdash
-- names a table after its model; a version's is model_vN.
CREATE FUNCTION dbt_contract_export_lightdash(models text[] DEFAULT NULL,
                                              target text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH scope AS MATERIALIZED (SELECT * FROM dbt_contract.export_scope(models, target)),
keys AS MATERIALIZED (SELECT * FROM dbt_contract.export_keys(models, target) WHERE is_primary),
rels AS MATERIALIZED (SELECT * FROM dbt_contract.export_relationships(models, target)),
blocks AS (
    SELECT s.model, s.version,
           coalesce((SELECT CASE WHEN cardinality(k.key_columns) = 1
                                 THEN format(E'primary_key: %s\n', dbt_contract.yaml_scalar(k.key_columns[1]))
                                 ELSE E'primary_key:\n' || (SELECT string_agg(format(E'  - %s\n', dbt_contract.yaml_scalar(c)), '' ORDER BY o)
                                                             FROM unnest(k.key_columns) WITH ORDINALITY AS u(c, o)) END
                       FROM keys k WHERE k.label = s.label), '')
           || coalesce((SELECT E'joins:\n' || string_agg(
                            format(E'  - join: %s\n    sql_on: %s\n    relationship: %s\n',
                                   dbt_contract.yaml_scalar(r.to_label),
                                   dbt_contract.yaml_scalar(
                                       (SELECT string_agg(format('${%s.%s} = ${%s.%s}', r.from_label, f, r.to_label, t),
                                                          ' AND ' ORDER BY o)
                                          FROM unnest(r.from_columns, r.to_columns) WITH ORDINALITY AS p(f, t, o))),
                                   replace(r.relationship_type, '_', '-')),
                            '' ORDER BY r.to_label, r.from_columns, r.to_columns)
                          FROM rels r WHERE r.from_label = s.label), '') AS meta
      FROM scope s
)
SELECT E'version: 2\nmodels:\n' || coalesce(string_agg(
    format(E'  - name: %s\n', dbt_contract.yaml_scalar(g.model))
    || CASE WHEN g.unversioned <> ''
            THEN E'    config:\n      meta:\n' || regexp_replace(g.unversioned, '^(.)', '        \1', 'gn')
            ELSE '' END
    || CASE WHEN g.versions <> '' THEN E'    versions:\n' || g.versions ELSE '' END,
    '' ORDER BY g.model), E'  []\n')
  FROM (SELECT m.model,
               coalesce(string_agg(m.meta, '') FILTER (WHERE m.version IS NULL), '') AS unversioned,
               coalesce(string_agg(format(E'      - v: %s\n        config:\n          meta:\n%s',
                                          dbt_contract.version_literal(m.version, 'yaml'),
                                          regexp_replace(m.meta, '^(.)', '            \1', 'gn')),
                                   '' ORDER BY dbt_contract.version_number(m.version), m.version)
                              FILTER (WHERE m.version IS NOT NULL), '')
                   AS versions
          FROM blocks m
         WHERE m.meta <> ''
         GROUP BY m.model) g
$$;
COMMENT ON FUNCTION dbt_contract_export_lightdash(text[], text) IS
    'The primary keys and joins as Lightdash meta (primary_key, joins) for schema.yml';

-- Cube: one cube per model (sql_table, its columns as dimensions, primary
-- key columns marked primary_key) with a join per relationship.
CREATE FUNCTION dbt_contract_export_cube(models text[] DEFAULT NULL,
                                         target text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH scope AS MATERIALIZED (SELECT * FROM dbt_contract.export_scope(models, target)),
cols AS MATERIALIZED (SELECT * FROM dbt_contract.export_columns(models, target)),
keys AS MATERIALIZED (SELECT * FROM dbt_contract.export_keys(models, target) WHERE is_primary),
rels AS MATERIALIZED (SELECT * FROM dbt_contract.export_relationships(models, target))
SELECT E'cubes:\n' || coalesce(string_agg(
    format(E'  - name: %s\n    sql_table: %s\n', dbt_contract.cube_name(s.relation_name),
           dbt_contract.yaml_scalar(s.relation))
    || coalesce((SELECT E'    joins:\n' || string_agg(
                     format(E'      - name: %s\n        relationship: %s\n        sql: %s\n',
                            dbt_contract.cube_name(r.to_name), r.relationship_type,
                            dbt_contract.yaml_scalar(
                                (SELECT string_agg(format('{CUBE}.%s = {%s}.%s', quote_ident(f),
                                                          dbt_contract.cube_name(r.to_name), quote_ident(t)),
                                                   ' AND ' ORDER BY o)
                                   FROM unnest(r.from_columns, r.to_columns) WITH ORDINALITY AS p(f, t, o)))),
                     '' ORDER BY r.to_name, r.from_columns, r.to_columns)
                   FROM rels r WHERE r.from_label = s.label), '')
    || coalesce((SELECT E'    dimensions:\n' || string_agg(
                     format(E'      - name: %s\n        sql: %s\n        type: %s\n',
                            dbt_contract.cube_name(c.column_name),
                            dbt_contract.yaml_scalar(quote_ident(c.column_name)),
                            CASE WHEN c.type_class IN ('integer', 'decimal', 'float') THEN 'number'
                                 WHEN c.type_class IN ('date', 'timestamp', 'timestamptz') THEN 'time'
                                 WHEN c.type_class = 'boolean' THEN 'boolean'
                                 ELSE 'string' END)
                     || CASE WHEN c.column_name = ANY (k.key_columns)
                             THEN E'        primary_key: true\n' ELSE '' END,
                     '' ORDER BY c.ordinal)
                   FROM cols c LEFT JOIN keys k ON k.label = c.label
                  WHERE c.label = s.label), ''),
    '' ORDER BY s.relation_name, s.label), E'  []\n')
  FROM scope s
$$;
COMMENT ON FUNCTION dbt_contract_export_cube(text[], text) IS
    'The models, primary keys and relationships as a Cube data model (cubes with dimensions and joins)';

-- dbt semantic models for projects that have none: one per model, with a
-- primary entity named after the model, a unique entity per other key,
-- and a foreign entity per relationship named like the entity of the key
-- it points at, so that MetricFlow can join them.  A composite key's
-- entity is its columns joined by '|' (NULL when one of them is).
CREATE FUNCTION dbt_contract_export_semantic_models(models text[] DEFAULT NULL,
                                                    target text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH scope AS MATERIALIZED (SELECT * FROM dbt_contract.export_scope(models, target)),
keys AS MATERIALIZED (
    SELECT k.label, k.key_columns, k.is_primary,
           ARRAY(SELECT x FROM unnest(k.key_columns) x ORDER BY x) AS sorted,
           dbt_contract.cube_name(k.label) ||
           CASE WHEN k.is_primary THEN ''
                ELSE '_' || dbt_contract.cube_name(array_to_string(k.key_columns, '_')) END AS entity
      FROM dbt_contract.export_keys(models, target) k
),
rels AS MATERIALIZED (SELECT * FROM dbt_contract.export_relationships(models, target)),
entities AS (
    SELECT k.label, CASE WHEN k.is_primary THEN 0 ELSE 1 END AS rank,
           k.entity AS name, CASE WHEN k.is_primary THEN 'primary' ELSE 'unique' END AS type,
           k.key_columns AS expr_columns, k.key_columns AS sort_key
      FROM keys k
    UNION ALL
    -- the from-columns in the order of the target key's columns
    SELECT r.from_label, 2,
           coalesce(tk.entity, dbt_contract.cube_name(r.to_label || '_' || array_to_string(r.to_columns, '_'))),
           'foreign',
           ARRAY(SELECT p.f FROM unnest(r.from_columns, r.to_columns) AS p(f, t)
                  ORDER BY array_position(coalesce(tk.key_columns, r.to_columns), p.t)),
           r.from_columns
      FROM rels r
      LEFT JOIN LATERAL (SELECT k.entity, k.key_columns FROM keys k
                          WHERE k.label = r.to_label
                            AND k.sorted = ARRAY(SELECT x FROM unnest(r.to_columns) x ORDER BY x)
                          ORDER BY k.is_primary DESC LIMIT 1) tk ON true
),
named AS (
    -- an entity name is unique within its semantic model: a second
    -- foreign key to the same target is told apart by its columns
    SELECT e.*, CASE WHEN row_number() OVER (PARTITION BY e.label, e.name
                                              ORDER BY e.rank, e.sort_key) = 1
                     THEN e.name
                     ELSE e.name || '_' || dbt_contract.cube_name(array_to_string(e.sort_key, '_')) END
                    AS entity_name
      FROM entities e
)
SELECT E'semantic_models:\n' || coalesce(string_agg(
    format(E'  - name: %s\n    model: %s\n', dbt_contract.cube_name(s.label),
           dbt_contract.yaml_scalar(format('ref(%s%s)', quote_literal(s.model),
                                           coalesce(', v=' || dbt_contract.version_literal(s.version, 'jinja'), ''))))
    || CASE WHEN s.description IS NOT NULL
            THEN format(E'    description: %s\n', dbt_contract.yaml_scalar(s.description)) ELSE '' END
    || coalesce((SELECT E'    entities:\n' || string_agg(
                     format(E'      - name: %s\n        type: %s\n        expr: %s\n',
                            n.entity_name, n.type,
                            dbt_contract.yaml_scalar(
                                (SELECT string_agg(quote_ident(c), ' || ''|'' || ' ORDER BY o)
                                   FROM unnest(n.expr_columns) WITH ORDINALITY AS u(c, o)))),
                     '' ORDER BY n.rank, n.sort_key, n.entity_name)
                   FROM named n WHERE n.label = s.label), ''),
    '' ORDER BY s.label), E'  []\n')
  FROM scope s
$$;
COMMENT ON FUNCTION dbt_contract_export_semantic_models(text[], text) IS
    'The models and keys as dbt semantic models with primary, unique and foreign entities';

------------------------------------------------------------------------------
-- The ER diagram
------------------------------------------------------------------------------

-- A string as a double-quoted Graphviz ID.
CREATE FUNCTION dbt_contract.dot_string(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT '"' || replace(replace(replace(s, '\', '\\'), '"', '\"'), E'\n', '\n') || '"'
$$;
COMMENT ON FUNCTION dbt_contract.dot_string(text) IS
    'Internal: a text as a double-quoted Graphviz ID';

-- Text inside a Graphviz HTML-like label.
CREATE FUNCTION dbt_contract.html_text(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT replace(replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;
COMMENT ON FUNCTION dbt_contract.html_text(text) IS
    'Internal: a text escaped for a Graphviz HTML-like label';

-- A name as a Mermaid entity or attribute name: letters, digits, _ and -.
CREATE FUNCTION dbt_contract.mermaid_name(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN r ~ '^[A-Za-z_]' THEN r ELSE '_' || r END
  FROM (SELECT regexp_replace(s, '[^A-Za-z0-9_-]', '_', 'g') AS r) q
$$;
COMMENT ON FUNCTION dbt_contract.mermaid_name(text) IS
    'Internal: a name as a Mermaid erDiagram entity or attribute name';

CREATE FUNCTION dbt_contract_erd(format text DEFAULT 'mermaid',
                                 models text[] DEFAULT NULL,
                                 target text DEFAULT NULL,
                                 around text DEFAULT NULL,
                                 depth int DEFAULT 1,
                                 all_columns boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    result text;
BEGIN
    IF format IS NULL OR format NOT IN ('mermaid', 'dot') THEN
        RAISE EXCEPTION 'unknown diagram format %', coalesce(quote_literal(format), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The formats are mermaid and dot.';
    END IF;
    -- the target and the model names first, for a short error context
    PERFORM 1 FROM dbt_contract.export_scope(models, target) LIMIT 1;
    IF around IS NOT NULL AND (depth IS NULL OR depth < 0) THEN
        RAISE EXCEPTION 'depth must be zero or more'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF around IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dbt_contract.export_scope(models, target) s
                                           WHERE s.model = around) THEN
        RAISE EXCEPTION 'model "%" is not among the models to draw', around
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'around names one of the models.';
    END IF;

    WITH RECURSIVE scope AS MATERIALIZED (
        SELECT * FROM dbt_contract.export_scope(models, target)
    ), rels AS MATERIALIZED (
        -- every relationship from a model of the scope: to another model of
        -- the scope, or to a relation no contract describes (a source)
        SELECT f.label AS from_label, t.label AS to_label,
               CASE WHEN r.to_model IS NULL THEN r.to_relation END AS external,
               r.from_columns, r.to_columns, r.relationship_type, r.enforced
          FROM dbt_contract.relationships r
          JOIN scope f ON f.scope_target = r.target AND f.model = r.from_model
                      AND f.version IS NOT DISTINCT FROM r.from_version
          LEFT JOIN scope t ON t.scope_target = r.target AND t.model = r.to_model
                           AND t.version IS NOT DISTINCT FROM r.to_version
         WHERE t.label IS NOT NULL OR r.to_model IS NULL
    ), near (label, hops) AS (
        -- the models within depth relationships of around, either way
        SELECT s.label, 0 FROM scope s WHERE s.model = around
        UNION
        SELECT CASE WHEN r.from_label = n.label THEN r.to_label ELSE r.from_label END, n.hops + 1
          FROM near n
          JOIN rels r ON n.label IN (r.from_label, r.to_label) AND r.to_label IS NOT NULL
         WHERE n.hops < least(depth, (SELECT count(*) FROM scope))
    ), entities AS MATERIALIZED (
        SELECT s.* FROM scope s
         WHERE around IS NULL OR s.label IN (SELECT label FROM near)
    ), edges AS MATERIALIZED (
        SELECT r.*, coalesce(r.to_label, r.external) AS to_node
          FROM rels r
         WHERE r.from_label IN (SELECT label FROM entities)
           AND (r.to_label IN (SELECT label FROM entities) OR r.external IS NOT NULL)
    ), keys AS MATERIALIZED (
        SELECT k.* FROM dbt_contract.export_keys(models, target) k
         WHERE k.label IN (SELECT label FROM entities)
    ), attrs AS MATERIALIZED (
        -- the columns to show, with their key marks
        SELECT c.label, c.ordinal, c.column_name,
               coalesce(c.formatted_type, c.type_class, 'unknown') AS type_name,
               array_to_string(ARRAY[
                   CASE WHEN EXISTS (SELECT 1 FROM keys k WHERE k.label = c.label AND k.is_primary
                                        AND c.column_name = ANY (k.key_columns)) THEN 'PK' END,
                   CASE WHEN EXISTS (SELECT 1 FROM edges e WHERE e.from_label = c.label
                                        AND c.column_name = ANY (e.from_columns)) THEN 'FK' END,
                   CASE WHEN EXISTS (SELECT 1 FROM keys k WHERE k.label = c.label AND NOT k.is_primary
                                        AND c.column_name = ANY (k.key_columns)) THEN 'UK' END],
                   ', ') AS marks
          FROM dbt_contract.export_columns(models, target) c
         WHERE c.label IN (SELECT label FROM entities)
    ), shown AS (
        SELECT * FROM attrs WHERE all_columns OR marks <> ''
    ), externals AS (
        SELECT DISTINCT e.external FROM edges e WHERE e.external IS NOT NULL
    )
    SELECT CASE format
    WHEN 'mermaid' THEN
        E'erDiagram\n'
        || coalesce((SELECT string_agg(
               '    ' || dbt_contract.mermaid_name(en.label)
               || coalesce(E' {\n' || (SELECT string_agg(
                      format(E'        %s %s%s\n', regexp_replace(a.type_name, '[^A-Za-z0-9_()-]', '_', 'g'),
                             dbt_contract.mermaid_name(a.column_name),
                             CASE WHEN a.marks <> '' THEN ' ' || a.marks ELSE '' END),
                      '' ORDER BY a.ordinal)
                    FROM shown a WHERE a.label = en.label) || E'    }', '')
               || E'\n', '' ORDER BY en.label) FROM entities en), '')
        || coalesce((SELECT string_agg(format(E'    %s\n', dbt_contract.mermaid_name(x.external)),
                                       '' ORDER BY x.external) FROM externals x), '')
        || coalesce((SELECT string_agg(
               format(E'    %s %s%s|| %s : %s\n',
                      dbt_contract.mermaid_name(e.from_label),
                      CASE e.relationship_type WHEN 'one_to_one' THEN '|o' ELSE '}o' END,
                      CASE WHEN e.enforced THEN '--' ELSE '..' END,
                      dbt_contract.mermaid_name(e.to_node),
                      '"' || replace(array_to_string(e.from_columns, ', '), '"', '''')
                          || CASE WHEN e.enforced THEN '' ELSE ' (declared)' END || '"'),
               '' ORDER BY e.from_label, e.to_node, e.from_columns) FROM edges e), '')
    ELSE
        E'digraph dbt_contract {\n'
        || E'    graph [rankdir=LR, fontname="Helvetica"];\n'
        || E'    node [shape=plaintext, fontname="Helvetica", fontsize=11];\n'
        || E'    edge [fontname="Helvetica", fontsize=9, dir=both];\n'
        || coalesce((SELECT string_agg(
               format(E'    %s [id=%s, tooltip=%s, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr><td bgcolor="#d9e3f0"><b>%s</b></td></tr>%s</table>>];\n',
                      dbt_contract.dot_string(en.label),
                      dbt_contract.dot_string('model:' || en.label),
                      dbt_contract.dot_string(en.relation),
                      dbt_contract.html_text(en.label),
                      coalesce((SELECT string_agg(
                          format('<tr><td align="left">%s <i>%s</i>%s</td></tr>',
                                 dbt_contract.html_text(a.column_name), dbt_contract.html_text(a.type_name),
                                 CASE WHEN a.marks <> '' THEN ' <b>' || a.marks || '</b>' ELSE '' END),
                          '' ORDER BY a.ordinal) FROM shown a WHERE a.label = en.label), '')),
               '' ORDER BY en.label) FROM entities en), '')
        || coalesce((SELECT string_agg(
               format(E'    %s [id=%s, shape=box, style=dashed, label=%s];\n',
                      dbt_contract.dot_string(x.external), dbt_contract.dot_string('source:' || x.external),
                      dbt_contract.dot_string(x.external)),
               '' ORDER BY x.external) FROM externals x), '')
        || coalesce((SELECT string_agg(
               format(E'    %s -> %s [id=%s, label=%s, arrowtail=%s, arrowhead=teetee, style=%s];\n',
                      dbt_contract.dot_string(e.from_label), dbt_contract.dot_string(e.to_node),
                      dbt_contract.dot_string(format('rel:%s(%s)->%s(%s)', e.from_label,
                                                     array_to_string(e.from_columns, ','), e.to_node,
                                                     array_to_string(e.to_columns, ','))),
                      dbt_contract.dot_string(array_to_string(e.from_columns, ', ')),
                      CASE e.relationship_type WHEN 'one_to_one' THEN 'teeodot' ELSE 'crowodot' END,
                      CASE WHEN e.enforced THEN 'solid' ELSE 'dashed' END),
               '' ORDER BY e.from_label, e.to_node, e.from_columns) FROM edges e), '')
        || E'}\n'
    END INTO result;
    RETURN result;
END
$$;
COMMENT ON FUNCTION dbt_contract_erd(text, text[], text, text, int, boolean) IS
    'The models, keys and relationships as an entity-relationship diagram (Mermaid erDiagram or Graphviz DOT)';

------------------------------------------------------------------------------
-- NOT ENFORCED foreign keys (PostgreSQL 18) for tools that only read the
-- catalog
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract.check_fk_statement(stmt text, rel regclass, ref regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'dbt_contract_check_fk_statement'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION dbt_contract.check_fk_statement(text, regclass, regclass) IS
    'Internal: errors unless the text is exactly one ALTER TABLE rel ADD CONSTRAINT ... FOREIGN KEY ... REFERENCES ref ... NOT ENFORCED';

-- One row per relationship of the scope that no foreign key enforces:
-- the ALTER TABLE that declares it NOT ENFORCED, or why there is none.
CREATE FUNCTION dbt_contract_not_enforced_fk_ddl(models text[] DEFAULT NULL,
                                                 target text DEFAULT NULL)
RETURNS TABLE (model text, version text, relation text, "references" text,
               statement text, note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
BEGIN
    IF current_setting('server_version_num')::int < 180000 THEN
        RAISE EXCEPTION 'NOT ENFORCED foreign keys need PostgreSQL 18 or later'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Before PostgreSQL 18 every foreign key checks rows: even NOT VALID checks every new row and adds triggers, which dbt''s rebuilds would trip over.',
                  HINT = 'dbt_contract_repair() adds the declared foreign keys enforced and validated.';
    END IF;
    PERFORM 1 FROM dbt_contract.export_scope(models, target) LIMIT 1;
    RETURN QUERY
    WITH scope AS MATERIALIZED (
        SELECT * FROM dbt_contract.export_scope(models, target)
    ), rels AS (
        SELECT r.from_model, r.from_version, r.from_relation, r.to_relation,
               r.from_columns, r.to_columns, r.constraint_name,
               to_regclass(r.from_relation) AS from_oid,
               CASE WHEN r.join_sql IS NOT NULL THEN to_regclass(r.to_relation) END AS to_oid
          FROM dbt_contract.relationships r
          JOIN scope s ON s.scope_target = r.target AND s.model = r.from_model
                      AND s.version IS NOT DISTINCT FROM r.from_version
         WHERE NOT r.enforced
    ), checked AS (
        SELECT r.*,
               (SELECT c.relkind FROM pg_class c WHERE c.oid = r.from_oid) AS from_kind,
               (SELECT c.relkind FROM pg_class c WHERE c.oid = r.to_oid) AS to_kind,
               -- any foreign key with these column pairs, in force or not
               (SELECT con.conname FROM pg_constraint con
                 WHERE con.contype = 'f' AND con.conrelid = r.from_oid AND con.confrelid = r.to_oid
                   AND ARRAY(SELECT fa.attname::text || '=' || ta.attname::text
                               FROM unnest(con.conkey, con.confkey) AS k(fn, tn)
                               JOIN pg_attribute fa ON fa.attrelid = con.conrelid AND fa.attnum = k.fn
                               JOIN pg_attribute ta ON ta.attrelid = con.confrelid AND ta.attnum = k.tn
                              ORDER BY 1)
                     = ARRAY(SELECT p.f || '=' || p.t FROM unnest(r.from_columns, r.to_columns) AS p(f, t)
                              ORDER BY 1)
                 ORDER BY con.conname LIMIT 1) AS existing,
               -- PostgreSQL needs a unique constraint on the referenced columns
               EXISTS (SELECT 1 FROM pg_constraint con
                        WHERE con.contype IN ('p', 'u') AND con.conrelid = r.to_oid
                          AND ARRAY(SELECT a.attname::text FROM unnest(con.conkey) AS k(n)
                                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                                     ORDER BY 1)
                              = ARRAY(SELECT x FROM unnest(r.to_columns) x ORDER BY 1)) AS to_unique
          FROM rels r
    )
    SELECT c.from_model, c.from_version, c.from_relation, c.to_relation,
           CASE WHEN c.from_kind IN ('r', 'p') AND c.to_kind IN ('r', 'p') AND c.existing IS NULL
                     AND c.to_unique AND cardinality(c.to_columns) = cardinality(c.from_columns)
                THEN format('ALTER TABLE %s ADD %sFOREIGN KEY (%s) REFERENCES %s (%s) NOT ENFORCED',
                            format('%I.%I', fn.nspname, fc.relname),
                            CASE WHEN c.constraint_name IS NOT NULL
                                 THEN format('CONSTRAINT %I ', c.constraint_name) ELSE '' END,
                            (SELECT string_agg(quote_ident(x), ', ' ORDER BY o)
                               FROM unnest(c.from_columns) WITH ORDINALITY AS u(x, o)),
                            format('%I.%I', tn.nspname, tc.relname),
                            (SELECT string_agg(quote_ident(x), ', ' ORDER BY o)
                               FROM unnest(c.to_columns) WITH ORDINALITY AS u(x, o))) END,
           CASE WHEN c.from_oid IS NULL THEN 'the relation does not exist'
                WHEN c.from_kind NOT IN ('r', 'p') THEN 'the relation is not a table'
                WHEN c.to_oid IS NULL THEN 'the referenced relation does not exist'
                WHEN c.to_kind NOT IN ('r', 'p') THEN 'the referenced relation is not a table'
                WHEN c.existing IS NOT NULL
                    THEN format('foreign key %I already declares it (not in force)', c.existing)
                WHEN cardinality(c.to_columns) IS DISTINCT FROM cardinality(c.from_columns)
                    THEN 'the referenced columns are not known'
                WHEN NOT c.to_unique
                    THEN format('%s has no primary key or unique constraint on (%s)', c.to_relation,
                                array_to_string(c.to_columns, ', '))
                ELSE 'declared, not enforced' END
      FROM checked c
      LEFT JOIN pg_class fc ON fc.oid = c.from_oid
      LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      LEFT JOIN pg_class tc ON tc.oid = c.to_oid
      LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
     ORDER BY 3, 5, 4;
END
$$;
COMMENT ON FUNCTION dbt_contract_not_enforced_fk_ddl(text[], text) IS
    'The ALTER TABLE ... ADD FOREIGN KEY ... NOT ENFORCED for each relationship no foreign key enforces (PostgreSQL 18), or why there is none';

-- Runs the statements of dbt_contract_not_enforced_fk_ddl, each parsed
-- back first; as the caller, in the caller's transaction.
CREATE FUNCTION dbt_contract_add_not_enforced_fks(models text[] DEFAULT NULL,
                                                  target text DEFAULT NULL)
RETURNS TABLE (model text, version text, relation text, "references" text, statement text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT * FROM @extschema@.dbt_contract_not_enforced_fk_ddl(models, target) x
              WHERE x.statement IS NOT NULL
    LOOP
        PERFORM dbt_contract.check_fk_statement(d.statement, d.relation::regclass,
                                                d."references"::regclass);
        EXECUTE d.statement;
        model := d.model;
        version := d.version;
        relation := d.relation;
        "references" := d."references";
        statement := d.statement;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dbt_contract_add_not_enforced_fks(text[], text) IS
    'Create the NOT ENFORCED foreign keys dbt_contract_not_enforced_fk_ddl prints (PostgreSQL 18; runs as the caller)';

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

-- The same contract as an Open Data Contract Standard v3.1.0 document
-- (YAML, key order as the standard shows it; jsonb would sort the keys).
CREATE FUNCTION dbt_contract_generate_odcs(relations regclass[] DEFAULT NULL,
                                           schema text DEFAULT NULL,
                                           id text DEFAULT NULL,
                                           version text DEFAULT '1.0.0',
                                           status text DEFAULT 'draft')
RETURNS text
AS 'MODULE_PATHNAME', 'dbt_contract_generate_odcs'
LANGUAGE C STABLE;
COMMENT ON FUNCTION dbt_contract_generate_odcs(regclass[], text, text, text, text) IS
    'An Open Data Contract Standard (ODCS) v3.1.0 document for the given relations, or every table and view of a schema, read from the live catalog';
