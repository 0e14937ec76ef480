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
