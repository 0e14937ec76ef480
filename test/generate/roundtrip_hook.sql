-- Appended to setup.sql by test/generate/roundtrip_suites.sh: after every
-- CREATE or ALTER of a table, view or materialized view in any suite,
-- generate its contract, apply it (the stored contracts set aside first:
-- a model belongs to one source), verify, and log the outcome to the
-- server log.  All of it runs in a subtransaction that is rolled back, so
-- the suite's own commands see nothing of it.
CREATE FUNCTION regress_generate_roundtrip() RETURNS event_trigger
-- as its owner (a superuser): some suites run DDL as unprivileged roles
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r record;
    y text;
    n int;
    problems text;
    msg text;
    detail text;
BEGIN
    FOR r IN
        SELECT DISTINCT objid FROM pg_event_trigger_ddl_commands()
         WHERE classid = 'pg_class'::regclass AND objsubid = 0
           AND object_type IN ('table', 'view', 'materialized view')
    LOOP
        BEGIN
            PERFORM set_config('client_min_messages', 'error', true);
            PERFORM dbt_contract_apply_yaml('version: 2', source, allow_breaking => true)
               FROM dbt_contract.contract_source;
            y := dbt_contract_generate(ARRAY[r.objid::regclass]);
            PERFORM dbt_contract_apply_yaml(y, 'roundtrip',
                        (SELECT n.nspname FROM pg_class c
                           JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.oid = r.objid));
            SELECT count(*), string_agg(format('%s %s: have %s, want %s',
                                               v.problem, v.object, v.have, v.want), '; ')
              INTO n, problems
              FROM dbt_contract_verify() v;
            RAISE EXCEPTION 'roundtrip-result'
                USING DETAIL = CASE WHEN n = 0 THEN 'ok' ELSE 'PROBLEMS ' || problems END;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
            RAISE LOG 'generate-roundtrip % %: %', r.objid, r.objid::regclass,
                CASE WHEN msg = 'roundtrip-result' THEN detail ELSE 'ERROR ' || msg END;
        END;
    END LOOP;
END
$$;
CREATE EVENT TRIGGER zz_generate_roundtrip ON ddl_command_end
    EXECUTE FUNCTION regress_generate_roundtrip();
