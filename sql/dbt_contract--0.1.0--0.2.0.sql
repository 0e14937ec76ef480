-- dbt_contract 0.1.0 -> 0.2.0
--
-- Every change made to sql/dbt_contract--0.2.0.sql since 0.1.0 is made
-- here too, so that an upgraded database and a fresh install of 0.2.0
-- have the same objects (test/t checks that they do).

\echo Use "ALTER EXTENSION dbt_contract UPDATE TO '0.2.0'" to load this file. \quit

-- The event triggers fire for every command; the C functions decide from
-- the parse tree which ones can touch a contracted relation.  They are
-- renamed so they are no longer named like the function dbt_contract_ddl().
DROP EVENT TRIGGER dbt_contract_ddl;
DROP EVENT TRIGGER dbt_contract_drop;
CREATE EVENT TRIGGER dbt_contract_check_ddl ON ddl_command_end
    EXECUTE FUNCTION dbt_contract.ddl_command_end();
CREATE EVENT TRIGGER dbt_contract_check_drop ON sql_drop
    EXECUTE FUNCTION dbt_contract.sql_drop();
ALTER EVENT TRIGGER dbt_contract_check_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER dbt_contract_check_drop ENABLE ALWAYS;

-- Every object carries a comment.
COMMENT ON SEQUENCE dbt_contract.model_id_seq IS
    'Ids of dbt_contract.contract_model rows';
COMMENT ON TABLE dbt_contract.contract_source IS
    'Internal: one row per applied source (a file, a directory, an inline or manifest source name)';
COMMENT ON COLUMN dbt_contract.contract_source.source IS 'The source key: an absolute path, or the name given to the apply';
COMMENT ON COLUMN dbt_contract.contract_source.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.contract_source.applied_by IS 'The role that called the apply';
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
COMMENT ON INDEX dbt_contract.contract_model_key IS
    'One row per model and version';
COMMENT ON INDEX dbt_contract.contract_model_source IS
    'The models of a source, for a re-apply';
COMMENT ON INDEX dbt_contract.contract_model_relation IS
    'The model of a relation, for the event triggers';
COMMENT ON TABLE dbt_contract.contract_column IS
    'Internal: the columns of each contract; read through dbt_contract.columns';
COMMENT ON COLUMN dbt_contract.contract_column.column_name IS 'Column name as written in the YAML';
COMMENT ON COLUMN dbt_contract.contract_column.attname IS 'Column name as PostgreSQL names it (folded unless quoted)';
COMMENT ON COLUMN dbt_contract.contract_column.data_type IS 'data_type as written in the YAML';
COMMENT ON COLUMN dbt_contract.contract_column.type_oid IS 'data_type resolved by PostgreSQL''s type parser';
COMMENT ON COLUMN dbt_contract.contract_column.typmod IS 'Type modifier of the resolved data_type (-1: none)';
COMMENT ON TABLE dbt_contract.contract_constraint IS
    'Internal: the column- and model-level constraints of each contract; read through dbt_contract.constraints';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_text IS 'A foreign key''s to: as written';
COMMENT ON COLUMN dbt_contract.contract_constraint.to_model IS 'The model a foreign key''s ref() names';
COMMENT ON COLUMN dbt_contract.contract_constraint.defined_at IS 'Where the constraint was declared, as file:line:col';
COMMENT ON TABLE dbt_contract.contract_test IS
    'Internal: the data tests declared on each model; read through dbt_contract.tests';
COMMENT ON SEQUENCE dbt_contract.apply_id_seq IS
    'Ids of dbt_contract.apply_history rows';
COMMENT ON TABLE dbt_contract.apply_history IS
    'Internal: one row per apply; read through dbt_contract.history';
COMMENT ON COLUMN dbt_contract.apply_history.applied_by IS 'The role that called the apply';
COMMENT ON COLUMN dbt_contract.apply_history.checksum IS 'md5 of the input that was applied';
COMMENT ON COLUMN dbt_contract.apply_history.breaking_accepted IS 'The breaking changes that went through with allow_breaking';
COMMENT ON TABLE dbt_contract.clone_view IS
    'Internal: the views dbt_contract_clone created, so it never replaces a relation it did not create';
COMMENT ON FUNCTION dbt_contract.cache_invalidate() IS
    'Internal: makes every backend drop its cached contracts when the models table changes';
COMMENT ON TRIGGER contract_model_changed ON dbt_contract.contract_model IS
    'Drops every backend''s cached contracts at commit of any write to the models table';
COMMENT ON COLUMN dbt_contract.models.version IS 'Model version; NULL for an unversioned model';
COMMENT ON COLUMN dbt_contract.models.materialized IS 'Materialization declared in the YAML; NULL when not declared';
COMMENT ON COLUMN dbt_contract.models.enforced IS 'Whether the contract is enforced on DDL';
COMMENT ON COLUMN dbt_contract.models.source IS 'The source the model was applied from';
COMMENT ON COLUMN dbt_contract.columns.data_type IS 'data_type as written in the YAML';
COMMENT ON COLUMN dbt_contract.columns.formatted_type IS 'The resolved type as PostgreSQL formats it';
COMMENT ON COLUMN dbt_contract.columns.quoted IS 'Whether the column name is used exactly (quote: true)';
COMMENT ON COLUMN dbt_contract.constraints.level IS 'column or model: where the constraint was declared';
COMMENT ON COLUMN dbt_contract.constraints.to_model IS 'The model a foreign key''s ref() names; NULL for source() and the legacy expression';
COMMENT ON VIEW dbt_contract.column_names IS
    'Internal: a model''s column names as written and as PostgreSQL names them';
COMMENT ON VIEW dbt_contract.ref_targets IS
    'Internal: the model a ref() resolves to, with or without a version';
COMMENT ON VIEW dbt_contract.key_candidates IS
    'Internal: every candidate key of a model with its rung on dbt''s infer_primary_key ladder';
COMMENT ON COLUMN dbt_contract.keys.derived_from IS 'Where the key comes from: a constraint, a test, or the catalog';
COMMENT ON COLUMN dbt_contract.keys.is_primary IS 'The one key per model dbt''s infer_primary_key would choose';
COMMENT ON FUNCTION dbt_contract.target_name(text) IS
    'Internal: the name a relationship target goes by in Omni''s on_sql';
COMMENT ON VIEW dbt_contract.relationship_sources IS
    'Internal: every declared or live relationship, one row per place it is declared';
COMMENT ON COLUMN dbt_contract.relationships.relationship_type IS 'one_to_one when the from-columns are a key of the from-model, else many_to_one';
COMMENT ON COLUMN dbt_contract.relationships.derived_from IS 'Where the relationship is declared, comma-separated';
COMMENT ON COLUMN dbt_contract.relationships.enforced IS 'Whether a matching foreign key exists now';
COMMENT ON COLUMN dbt_contract.relationships.on_sql IS 'The join condition in Omni''s ${view.column} form';
COMMENT ON COLUMN dbt_contract.relationships.join_sql IS 'The join condition as SQL over the relations';
COMMENT ON FUNCTION dbt_contract.yaml_scalar(text) IS
    'Internal: a text as a YAML scalar, quoted only where needed';
COMMENT ON FUNCTION dbt_contract.ddl_command_end() IS
    'Internal: checks the relations a DDL command created or changed against their enforced contracts';
COMMENT ON FUNCTION dbt_contract.sql_drop() IS
    'Internal: reports constraints of contracted relations that a DROP ... CASCADE removed';
COMMENT ON EVENT TRIGGER dbt_contract_check_ddl IS
    'Checks DDL on relations with an enforced dbt contract';
COMMENT ON EVENT TRIGGER dbt_contract_check_drop IS
    'Reports constraints of contracted relations lost to DROP ... CASCADE';

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

-- NOT VALID and NOT ENFORCED constraints guarantee nothing about the rows:
-- the views count them as the checks do (contract_match.c).
CREATE FUNCTION dbt_contract.constraint_in_force(con oid) RETURNS boolean
AS 'MODULE_PATHNAME', 'dbt_contract_constraint_in_force'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.constraint_in_force(oid) IS
    'Whether PostgreSQL enforces the constraint on every row (validated, and not NOT ENFORCED)';

-- relationships.enforced: only a foreign key in force counts.
CREATE OR REPLACE VIEW dbt_contract.relationships AS
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

-- Generated SQL: repair runs each statement as the table's owner, and
-- the parser's view of a statement is available to tests.
COMMENT ON FUNCTION dbt_contract_repair(regclass) IS
    'Add the declared constraints live relations lack (the caller must own them; runs as the owner, validates data, drops nothing)';

CREATE FUNCTION dbt_contract.parse_statements(sql text)
RETURNS TABLE (kind text, relation text, elements int)
AS 'MODULE_PATHNAME', 'dbt_contract_parse_statements'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dbt_contract.parse_statements(text) IS
    'The statements PostgreSQL''s parser finds in sql (command tag, relation, table elements or ALTER commands), executing nothing';

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
