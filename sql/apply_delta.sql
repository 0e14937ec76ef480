--
-- A delta apply (metadata.dbt_contract_keep, what the dbt package sends
-- when a few models changed): the sent models replace theirs, the kept
-- ones stay, the others are removed.  The catalog afterwards is the one a
-- full apply of the same project gives: applied here for two targets, A
-- then B in full for one, A in full then the delta to B for the other, and
-- compared through the views.
--
CREATE SCHEMA dl_full;
CREATE SCHEMA dl_delta;
-- a model node of the compact manifest the package sends, built in schema s
CREATE FUNCTION dl_node(s text, name text, cols jsonb, extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('model.dl.' || name || coalesce('.v' || (extra->>'version'), ''),
    jsonb_build_object('resource_type', 'model', 'name', name, 'schema', s,
      'alias', name || coalesce('_v' || (extra->>'version'), ''),
      'config', jsonb_build_object('materialized', 'table',
                                   'contract', jsonb_build_object('enforced', true)),
      'columns', cols) || (extra - 'key'))
$$;
CREATE FUNCTION dl_col(name text, data_type text, constraints jsonb DEFAULT '[]')
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object(name, jsonb_build_object('name', name, 'data_type', data_type,
                                                     'constraints', constraints))
$$;
CREATE FUNCTION dl_test(name text, model text, col text, test text, kwargs jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('test.dl.' || name, jsonb_build_object(
    'resource_type', 'test', 'name', name, 'attached_node', 'model.dl.' || model,
    'column_name', col,
    'test_metadata', jsonb_build_object('name', test, 'kwargs',
                                        kwargs || jsonb_build_object('column_name', col))))
$$;
-- Project A and project B (orders gains a column, payments is removed,
-- refunds is added, fct v2's description changes; customers, fct v1 and
-- the tests on customers are the same)
CREATE FUNCTION dl_nodes(s text, project text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT dl_node(s, 'customers', dl_col('id', 'int', '[{"type": "primary_key"}]') || dl_col('name', 'text'))
      || dl_test('unique_customers_id', 'customers', 'id', 'unique')
      || dl_node(s, 'orders', dl_col('id', 'int', '[{"type": "not_null"}]')
                 || dl_col('customer_id', 'int', '[{"type": "foreign_key", "to": "ref(''customers'')", "to_columns": ["id"]}]')
                 || CASE project WHEN 'B' THEN dl_col('note', 'text') ELSE '{}' END,
                 '{"depends_on": {"nodes": ["model.dl.customers"]}}')
      || dl_test('relationships_orders', 'orders', 'customer_id', 'relationships',
                 '{"to": "ref(''customers'')", "field": "id"}')
      || CASE project WHEN 'A' THEN dl_node(s, 'payments', dl_col('id', 'int')) ELSE '{}' END
      || CASE project WHEN 'B' THEN dl_node(s, 'refunds', dl_col('id', 'bigint')) ELSE '{}' END
      || dl_node(s, 'fct', dl_col('id', 'int'), '{"version": 1, "latest_version": 2}')
      || dl_node(s, 'fct', dl_col('id', 'int'),
                 jsonb_build_object('version', 2, 'latest_version', 2, 'description',
                                    CASE project WHEN 'B' THEN 'the second' ELSE 'second' END))
$$;
CREATE FUNCTION dl_manifest(nodes jsonb, keep jsonb DEFAULT NULL, sums jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('metadata', jsonb_strip_nulls(jsonb_build_object(
           'dbt_contract_checksum', md5(nodes::text),
           'dbt_contract_keep', keep, 'dbt_contract_model_checksums', sums)),
         'nodes', nodes)
$$;
-- the catalog of one target as the views show it, its schema name replaced
CREATE FUNCTION dl_catalog(t text) RETURNS TABLE (view text, row_text text)
LANGUAGE sql AS $$
  SELECT v, replace(r::text, t, 'T')
    FROM (SELECT 'models' v, to_jsonb(m) - 'applied_at' - 'file' r FROM dbt_contract.models m WHERE target = t
          UNION ALL SELECT 'columns', to_jsonb(c) FROM dbt_contract.columns c WHERE target = t
          UNION ALL SELECT 'constraints', to_jsonb(k) FROM dbt_contract.constraints k WHERE target = t
          UNION ALL SELECT 'tests', to_jsonb(x) FROM dbt_contract.tests x WHERE target = t
          UNION ALL SELECT 'keys', to_jsonb(y) FROM dbt_contract.keys y WHERE target = t
          UNION ALL SELECT 'relationships', to_jsonb(z) FROM dbt_contract.relationships z WHERE target = t
          UNION ALL SELECT 'sources', to_jsonb(s) - 'applied_at' - 'checksum' - 'model_checksums'
                      FROM dbt_contract.sources s WHERE target = t) q
$$;
CREATE FUNCTION dl_differences() RETURNS TABLE (side text, view text, row_text text)
LANGUAGE sql AS $$
  (SELECT 'full only', * FROM dl_catalog('dl_full') EXCEPT ALL SELECT 'full only', * FROM dl_catalog('dl_delta'))
  UNION ALL
  (SELECT 'delta only', * FROM dl_catalog('dl_delta') EXCEPT ALL SELECT 'delta only', * FROM dl_catalog('dl_full'))
  ORDER BY 1, 2, 3
$$;

-- A in full, for both targets
SELECT t, count(*) AS added
  FROM unnest(ARRAY['dl_full', 'dl_delta']) t,
       LATERAL dbt_contract_apply_manifest(dl_manifest(dl_nodes(t, 'A')), 'dbt:dl', false, t)
 GROUP BY t ORDER BY t COLLATE "C";
SELECT count(*) AS views_rows, count(DISTINCT view) AS views FROM dl_catalog('dl_delta');
SELECT * FROM dl_differences();
-- B: in full for one; for the other the delta: orders (and customers, the
-- parent it refers to), refunds and fct v2 sent, fct v1 kept, payments
-- neither
SELECT model, version, action
  FROM dbt_contract_apply_manifest(dl_manifest(dl_nodes('dl_full', 'B')), 'dbt:dl', false, 'dl_full')
 ORDER BY model COLLATE "C", version;
SELECT model, version, action
  FROM dbt_contract_apply_manifest(dl_manifest(
         (SELECT jsonb_object_agg(key, value) FROM jsonb_each(dl_nodes('dl_delta', 'B'))
           WHERE key NOT IN ('model.dl.fct.v1')),
         '[["fct", 1]]', '{"model.dl.orders": "x1", "model.dl.fct.v1": "x2"}'),
       'dbt:dl', false, 'dl_delta')
 ORDER BY model COLLATE "C", version;
-- the same catalog, through every view
SELECT * FROM dl_differences();
SELECT count(*) AS views_rows FROM dl_catalog('dl_delta');
-- the same history (counts of added, changed, removed, unchanged)
SELECT target, added, changed, removed, unchanged FROM dbt_contract.history
 WHERE source = 'dbt:dl' ORDER BY apply_id;
-- the sender's per-model checksums are kept for its next run; a full
-- apply without them forgets them
SELECT target, model_checksums FROM dbt_contract.sources
 WHERE source = 'dbt:dl' ORDER BY target COLLATE "C";
-- the kept model's rows were not rewritten
SELECT m.model, m.version, m.applied_at = h.applied_at AS applied_by_first
  FROM dbt_contract.models m,
       (SELECT min(applied_at) AS applied_at FROM dbt_contract.history WHERE target = 'dl_delta') h
 WHERE m.target = 'dl_delta' ORDER BY m.model COLLATE "C", m.version;
-- the event triggers enforce what the delta stored
CREATE TABLE dl_delta.orders (id int NOT NULL, customer_id int, note int);
\echo SQLSTATE :SQLSTATE
CREATE TABLE dl_delta.payments (anything text);
DROP TABLE dl_delta.payments;

-- Only what a delta names is kept: a kept model must be stored and
-- may not be sent too, nor kept twice; the keys are checked
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '[["nosuch", null]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest(dl_node('dl_delta', 'refunds', dl_col('id', 'bigint')),
                                          '[["refunds", null]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '[["fct", 1], ["fct", 1]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '[["fct", -1]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '[["fct", 1.5]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '["fct"]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dbt_contract_apply_manifest(dl_manifest('{}', '[]', '[1]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
-- a sent model may not take a kept one's relation
SELECT * FROM dbt_contract_apply_manifest(dl_manifest(
         jsonb_set(dl_node('dl_delta', 'other', dl_col('id', 'int')), '{model.dl.other,alias}', '"customers"'),
         '[["customers", null]]'), 'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE

-- The breaking-change policy is a full apply's: a versioned model's
-- column dropped fails the delta and keeps everything as it was
SELECT model, version, action
  FROM dbt_contract_apply_manifest(dl_manifest(
         dl_node('dl_delta', 'fct', dl_col('code', 'int'), '{"version": 1, "latest_version": 2}'),
         '[["customers", null], ["orders", null], ["refunds", null], ["fct", 2]]'),
       'dbt:dl', false, 'dl_delta');
\echo SQLSTATE :SQLSTATE
SELECT * FROM dl_differences();
-- and an unversioned one's is a warning, applied
SELECT model, version, action
  FROM dbt_contract_apply_manifest(dl_manifest(
         dl_node('dl_delta', 'refunds', dl_col('id', 'text')),
         '[["customers", null], ["orders", null], ["fct", 1], ["fct", 2]]'),
       'dbt:dl', false, 'dl_delta')
 WHERE action <> 'unchanged';
SELECT data_type FROM dbt_contract.columns WHERE target = 'dl_delta' AND model = 'refunds';

-- A delta that sends no model and keeps them all (dbt parsed the project
-- again, no contract changed) stores the new checksums and is no apply
-- in history
SELECT count(*) AS history_before FROM dbt_contract.history WHERE target = 'dl_delta' \gset
SELECT action, count(*) FROM dbt_contract_apply_manifest(jsonb_build_object(
         'metadata', jsonb_build_object('dbt_contract_checksum', 'refreshed1',
                                        'dbt_contract_model_checksums', '{"model.dl.orders": "o2"}'::jsonb,
                                        'dbt_contract_keep', (SELECT jsonb_agg(jsonb_build_array(model, version))
                                                                FROM dbt_contract.models WHERE target = 'dl_delta')),
         'nodes', '{}'::jsonb), 'dbt:dl', false, 'dl_delta')
 GROUP BY action;
SELECT checksum, model_checksums FROM dbt_contract.sources WHERE target = 'dl_delta';
SELECT count(*) - :history_before AS new_history_rows FROM dbt_contract.history WHERE target = 'dl_delta';

-- The privilege rule covers the kept models: a developer who owns the
-- target's schema may not keep a model built in someone else's schema
CREATE ROLE regress_dl_dev;
CREATE SCHEMA dl_dev AUTHORIZATION regress_dl_dev;
CREATE SCHEMA dl_other;
SELECT count(*) FROM dbt_contract_apply_manifest(dl_manifest(
         dl_node('dl_dev', 'mine', dl_col('id', 'int')) || dl_node('dl_other', 'a_theirs', dl_col('id', 'int'))),
       'dbt:dl', false, 'dl_dev');
GRANT EXECUTE ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean, text) TO regress_dl_dev;
SET ROLE regress_dl_dev;
SELECT * FROM dbt_contract_apply_manifest(dl_manifest(dl_node('dl_dev', 'mine', dl_col('id', 'bigint')),
                                          '[["a_theirs", null]]'), 'dbt:dl', false, 'dl_dev');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
REVOKE EXECUTE ON FUNCTION dbt_contract_apply_manifest(jsonb, text, boolean, text) FROM regress_dl_dev;

-- Clean up.
SELECT t, count(*) AS removed
  FROM unnest(ARRAY['dl_full', 'dl_delta', 'dl_dev']) t,
       LATERAL dbt_contract_apply_manifest('{"nodes": {}}', 'dbt:dl', true, t)
 GROUP BY t ORDER BY t COLLATE "C";
DROP SCHEMA dl_full, dl_delta, dl_dev, dl_other CASCADE;
DROP ROLE regress_dl_dev;
DROP FUNCTION dl_differences(), dl_catalog(text), dl_manifest(jsonb, jsonb, jsonb),
              dl_nodes(text, text), dl_test(text, text, text, text, jsonb),
              dl_col(text, text, jsonb), dl_node(text, text, jsonb, jsonb);
SELECT count(*) AS left_over FROM dbt_contract.models WHERE target LIKE 'dl\_%';
