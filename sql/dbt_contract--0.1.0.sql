-- dbt_contract 0.1.0: dbt model contracts inside PostgreSQL.
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

-- One row per applied source: a file path, a directory, or a name given to
-- dbt_contract_apply_yaml.
CREATE TABLE dbt_contract.contract_source (
    source      text PRIMARY KEY,
    checksum    text NOT NULL,          -- md5 of the YAML that was applied
    applied_at  timestamptz NOT NULL,
    applied_by  name NOT NULL
);

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
CREATE UNIQUE INDEX contract_model_key
    ON dbt_contract.contract_model (model, (coalesce(version, -1)));
CREATE INDEX contract_model_source
    ON dbt_contract.contract_model (source);
CREATE INDEX contract_model_relation
    ON dbt_contract.contract_model (relation_schema, relation_name);

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

CREATE TABLE dbt_contract.contract_test (
    model_id   bigint NOT NULL,
    ordinal    int NOT NULL,
    test_name  text NOT NULL,
    columns    text[] NOT NULL,
    arguments  jsonb NOT NULL,
    PRIMARY KEY (model_id, ordinal)
);

-- Any write to the models table (an apply, a restore's COPY) makes every
-- backend drop its cached contracts at commit.
CREATE FUNCTION dbt_contract.cache_invalidate() RETURNS trigger
AS 'MODULE_PATHNAME', 'dbt_contract_cache_invalidate'
LANGUAGE C;
CREATE TRIGGER contract_model_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dbt_contract.contract_model
    FOR EACH STATEMENT EXECUTE FUNCTION dbt_contract.cache_invalidate();

-- pg_dump keeps the contracts with the database.
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_source', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_model', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_column', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_constraint', '');
SELECT pg_catalog.pg_extension_config_dump('dbt_contract.contract_test', '');

REVOKE ALL ON ALL TABLES IN SCHEMA dbt_contract FROM PUBLIC;
REVOKE ALL ON SEQUENCE dbt_contract.model_id_seq FROM PUBLIC;

------------------------------------------------------------------------------
-- Views (the public interface)
------------------------------------------------------------------------------

CREATE VIEW dbt_contract.models AS
SELECT m.model, m.version, m.relation_schema, m.relation_name,
       m.materialized, m.enforced, m.description, m.source, m.applied_at
  FROM dbt_contract.contract_model m;
COMMENT ON VIEW dbt_contract.models IS 'Models (and model versions) with a loaded contract';

CREATE VIEW dbt_contract.columns AS
SELECT m.model, m.version, c.column_name, c.ordinal, c.data_type,
       c.type_oid::regtype AS type_oid, c.typmod,
       CASE WHEN c.type_oid IS NOT NULL
            THEN pg_catalog.format_type(c.type_oid, c.typmod) END AS formatted_type,
       c.description, c.quoted
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_column c USING (model_id);
COMMENT ON VIEW dbt_contract.columns IS 'Contract columns, with data_type resolved by PostgreSQL';

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

CREATE VIEW dbt_contract.tests AS
SELECT m.model, m.version, t.test_name, t.columns, t.arguments
  FROM dbt_contract.contract_model m
  JOIN dbt_contract.contract_test t USING (model_id);
COMMENT ON VIEW dbt_contract.tests IS 'Data tests declared on contracted models (tests: and data_tests:)';

GRANT SELECT ON dbt_contract.models, dbt_contract.columns,
                dbt_contract.constraints, dbt_contract.tests TO PUBLIC;

------------------------------------------------------------------------------
-- Loading contracts
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract_apply(path text, target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version int, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply(text, text) IS
    'Load the dbt contracts of a YAML file, or of every YAML file below a directory';

CREATE FUNCTION dbt_contract_apply_yaml(yaml text, source text DEFAULT 'inline',
                                        target_schema text DEFAULT NULL)
RETURNS TABLE (model text, version int, relation text, action text,
               columns int, constraints int)
AS 'MODULE_PATHNAME', 'dbt_contract_apply_yaml'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION dbt_contract_apply_yaml(text, text, text) IS
    'Load the dbt contracts of YAML text, as the named source';

REVOKE ALL ON FUNCTION dbt_contract_apply(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dbt_contract_apply_yaml(text, text, text) FROM PUBLIC;

------------------------------------------------------------------------------
-- Enforcement: event triggers checking DDL against the contracts
------------------------------------------------------------------------------

CREATE FUNCTION dbt_contract.ddl_command_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'dbt_contract_ddl_command_end'
LANGUAGE C;

CREATE FUNCTION dbt_contract.sql_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'dbt_contract_sql_drop'
LANGUAGE C;

-- Every relation created or changed by these commands is checked when it
-- belongs to a model with an enforced contract.
CREATE EVENT TRIGGER dbt_contract_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO',
                 'CREATE VIEW', 'ALTER TABLE', 'ALTER VIEW')
    EXECUTE FUNCTION dbt_contract.ddl_command_end();

-- DROP ... CASCADE can remove other contracted tables' foreign keys.
CREATE EVENT TRIGGER dbt_contract_drop ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'DROP VIEW', 'DROP SCHEMA', 'DROP INDEX',
                 'DROP OWNED', 'ALTER TABLE')
    EXECUTE FUNCTION dbt_contract.sql_drop();

-- Fire in every session_replication_role, so setting it to replica is no
-- way around the checks.
ALTER EVENT TRIGGER dbt_contract_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER dbt_contract_drop ENABLE ALWAYS;
