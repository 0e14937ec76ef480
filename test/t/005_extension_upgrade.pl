# The extension upgrade chain: a database created with the oldest released
# version and walked up with ALTER EXTENSION ... UPDATE ends with exactly
# the objects of a fresh install of the newest version (same definitions,
# privileges and comments), keeps its contracts, and enforces them.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Every released version, oldest first; the last is default_version.
my @chain = ('0.1.0', '0.2.0');

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $fixtures = "$ENV{PWD}/test/fixtures";
my $apply = "SET dbt_contract.project_dir = '$fixtures'; "
  . "SELECT string_agg(model || ':' || action, ' ' ORDER BY model, version) "
  . "FROM dbt_contract_apply('jaffle/models', 'analytics')";

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');

$node->safe_psql('upgraded',
	"CREATE EXTENSION dbt_contract VERSION '$chain[0]'");

# The installed library is the newest, and it applies only into a catalog
# of its own version; so the contracts are applied in a staging database
# and their rows copied into the 0.1.0 tables, as 0.1.0 stores them
# (fingerprints do not depend on the target).  Besides jaffle, a source
# whose models are in the target schema and in a custom schema derived
# from it (<target>_marts).
$node->safe_psql('postgres', 'CREATE DATABASE staging');
$node->safe_psql('staging', 'CREATE EXTENSION dbt_contract');
my $applied = $node->safe_psql('staging', $apply);
like($applied, qr/dim_customers:added/, 'contracts applied in staging');
is( $node->safe_psql(
		'staging', q{SELECT count(*) FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: up_marts_a
    config: {schema: marts}
    columns: [{name: id, data_type: int}]
  - name: up_marts_b
    config: {schema: marts}
    columns: [{name: id, data_type: int}]
  - name: up_base
    columns: [{name: id, data_type: int}]
  - name: up_versioned
    latest_version: 2
    columns: [{name: id, data_type: int}]
    versions: [{v: 1}, {v: 2}]
  - name: up_child
    columns:
      - {name: v_id, data_type: int,
         constraints: [{type: foreign_key, to: "ref('up_versioned')", to_columns: [id]}]}
      - {name: raw_id, data_type: int,
         constraints: [{type: foreign_key, to: "source('up_raw', 'things')", to_columns: [id]}]}
$$, 'inline_shop', 'shop')}),
	'6',
	'a source with custom-schema models applied');
foreach my $table (
	qw(contract_source contract_model contract_column
	contract_constraint contract_test apply_history))
{
	my $cols = $node->safe_psql('upgraded',
		"SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
		  . "WHERE attrelid = 'dbt_contract.$table'::regclass AND attnum > 0 AND NOT attisdropped");
	my $rows = $node->safe_psql('staging',
		"COPY (SELECT $cols FROM dbt_contract.$table) TO STDOUT");
	$node->safe_psql('upgraded',
		"COPY dbt_contract.$table ($cols) FROM STDIN;\n$rows\n\\.\n");
}
$node->safe_psql('upgraded',
	"SELECT setval('dbt_contract.model_id_seq', (SELECT max(model_id) FROM dbt_contract.contract_model)), "
	  . "setval('dbt_contract.apply_id_seq', (SELECT max(apply_id) FROM dbt_contract.apply_history))");
is( $node->safe_psql('upgraded', 'SELECT count(*) FROM dbt_contract.models'),
	$node->safe_psql('staging', 'SELECT count(*) FROM dbt_contract.models'),
	"contracts stored under $chain[0]");
# 0.1.0 stored a foreign key's `to:` as written, with no version for an
# unversioned ref()
$node->safe_psql('upgraded', q{
UPDATE dbt_contract.contract_constraint
   SET to_version = NULL, to_text = 'ref(''up_versioned'')' WHERE to_model = 'up_versioned';
UPDATE dbt_contract.contract_constraint
   SET to_text = '{{ source("up_raw", "things") }}' WHERE to_text = 'up_raw.things';
});

my $views = q{
  SELECT string_agg(x, E'\n' ORDER BY x) FROM (
    SELECT format('M %s %s %s.%s %s %s', model, version, relation_schema,
                  relation_name, materialized, enforced) AS x
      FROM dbt_contract.models
    UNION ALL
    SELECT format('C %s %s %s %s %s', model, version, ordinal, column_name,
                  formatted_type) FROM dbt_contract.columns
    UNION ALL
    SELECT format('K %s %s %s %s %s %s', model, version, constraint_type,
                  columns, to_model, to_columns)
      FROM dbt_contract.constraints) s};
my $contracts_before = $node->safe_psql('upgraded', $views);

# Until ALTER EXTENSION UPDATE runs, the newest library still enforces the
# old catalog's contracts (it has no targets).
$node->safe_psql('upgraded', 'CREATE SCHEMA analytics');
my ($pre_ret, $pre_out, $pre_err) = $node->psql('upgraded',
	'CREATE TABLE analytics.fct_orders__dbt_tmp (order_id int)');
like($pre_err, qr/does not match the enforced contract of model "fct_orders"/,
	"the $chain[0] catalog is enforced before the update");

# ... and every path an ordinary session reaches still works on it: the
# violations view (0.1.0 calls dbt_contract_verify() with no argument)
# and a DROP SCHEMA (the sql_drop trigger looks for targets).
$node->safe_psql('upgraded', 'CREATE ROLE regress_pre_update');
is( $node->safe_psql(
		'upgraded',
		'SET ROLE regress_pre_update; SELECT count(*) >= 0 FROM dbt_contract.violations'),
	't',
	"the $chain[0] violations view reads before the update");
is( $node->safe_psql(
		'upgraded',
		'SET ROLE regress_pre_update; CREATE TEMP TABLE pre (i int); DROP TABLE pre;'
		  . ' RESET ROLE; CREATE SCHEMA pre_update_s; DROP SCHEMA pre_update_s; SELECT 1'),
	'1',
	"DROP SCHEMA works on the $chain[0] catalog before the update");
$node->safe_psql('upgraded', 'DROP ROLE regress_pre_update');

foreach my $version (@chain[ 1 .. $#chain ])
{
	$node->safe_psql('upgraded',
		"ALTER EXTENSION dbt_contract UPDATE TO '$version'");
	is( $node->safe_psql('upgraded',
			"SELECT extversion FROM pg_extension WHERE extname = 'dbt_contract'"),
		$version,
		"updated to $version");
}

$node->safe_psql('fresh', 'CREATE EXTENSION dbt_contract');
is( $node->safe_psql('fresh',
		"SELECT extversion FROM pg_extension WHERE extname = 'dbt_contract'"),
	$chain[-1],
	"a fresh install is $chain[-1]");

# One line per extension member and per sub-object that carries a
# definition (columns, constraints, indexes, triggers), named without OIDs:
# what it is, how it is defined, who may use it, and its comment.
my $catalog = q{
WITH ext AS (
    SELECT oid FROM pg_extension WHERE extname = 'dbt_contract'
), members AS (
    SELECT d.classid, d.objid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass
       AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.oid, c.relkind, c.relacl
      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass
                                     AND c.oid = m.objid
), lines AS (
    SELECT pg_describe_object(m.classid, m.objid, 0)
           || ' | ' || coalesce(
               CASE m.classid
                WHEN 'pg_proc'::regclass THEN
                    pg_get_functiondef(m.objid)
                    || ' acl=' || coalesce((SELECT proacl::text FROM pg_proc WHERE oid = m.objid), '-')
                WHEN 'pg_class'::regclass THEN
                    (SELECT c.relkind::text || ' acl=' || coalesce(c.relacl::text, '-')
                            || CASE WHEN c.relkind = 'v' THEN ' ' || pg_get_viewdef(c.oid) ELSE '' END
                       FROM pg_class c WHERE c.oid = m.objid)
                WHEN 'pg_event_trigger'::regclass THEN
                    (SELECT e.evtevent::text || ' ' || e.evtenabled::text || ' ' || e.evtfoid::regprocedure::text
                            || ' ' || coalesce(e.evttags::text, '-')
                       FROM pg_event_trigger e WHERE e.oid = m.objid)
                WHEN 'pg_namespace'::regclass THEN
                    (SELECT 'acl=' || coalesce(n.nspacl::text, '-')
                       FROM pg_namespace n WHERE n.oid = m.objid)
               END, '?')
           || ' | comment=' || coalesce(obj_description(m.objid, m.classid::regclass::name), '-')
           AS line
      FROM members m
    UNION ALL
    -- columns of tables and views
    SELECT format('column %s.%I | %s %s default=%s | comment=%s',
                  r.oid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                  coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-'),
                  coalesce(col_description(r.oid, a.attnum), '-'))
      FROM rels r
      JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('constraint %s on %s | %s | comment=%s', con.conname, r.oid::regclass,
                  pg_get_constraintdef(con.oid),
                  coalesce(obj_description(con.oid, 'pg_constraint'), '-'))
      FROM rels r JOIN pg_constraint con ON con.conrelid = r.oid
    UNION ALL
    SELECT format('index %s | %s | comment=%s', i.indexrelid::regclass,
                  pg_get_indexdef(i.indexrelid),
                  coalesce(obj_description(i.indexrelid, 'pg_class'), '-'))
      FROM rels r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT format('trigger %s on %s | %s | comment=%s', t.tgname, r.oid::regclass,
                  pg_get_triggerdef(t.oid),
                  coalesce(obj_description(t.oid, 'pg_trigger'), '-'))
      FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT format('sequence %s | %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid::regtype,
                  s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcycle)
      FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    -- tables pg_dump keeps the rows of
    SELECT 'config dump ' || c::regclass::text
      FROM pg_extension e, unnest(e.extconfig) AS c
     WHERE e.extname = 'dbt_contract'
)
SELECT line FROM lines ORDER BY line COLLATE "C"};

my @upgraded = split /\n/, $node->safe_psql('upgraded', $catalog);
my @fresh = split /\n/, $node->safe_psql('fresh', $catalog);
my %in_fresh = map { $_ => 1 } @fresh;
my %in_upgraded = map { $_ => 1 } @upgraded;
my @only_upgraded = grep { !$in_fresh{$_} } @upgraded;
my @only_fresh = grep { !$in_upgraded{$_} } @fresh;
ok(@fresh > 50, 'the catalog description lists the extension\'s objects');
ok(!@only_upgraded && !@only_fresh,
	'the upgraded catalog is the fresh install\'s')
  or diag(join("\n", (map { "only after the upgrade: $_" } @only_upgraded),
		(map { "only in a fresh install: $_" } @only_fresh)));

# Every member of a fresh install carries a comment.  (From 17 on, the
# row types of the extension's tables and views, and their array types,
# are members too; they take no comment of their own.)
is( $node->safe_psql(
		'fresh', q{
SELECT string_agg(pg_describe_object(d.classid, d.objid, 0), ', ')
  FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
 WHERE e.extname = 'dbt_contract' AND d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e'
   AND obj_description(d.objid, d.classid::regclass::name) IS NULL
   AND NOT EXISTS (SELECT 1 FROM pg_type t LEFT JOIN pg_type elem ON elem.oid = t.typelem
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (t.typrelid <> 0 OR elem.typrelid <> 0))}),
	'',
	'every extension member has a comment');

# Foreign key targets are brought to the form every path stores.
is( $node->safe_psql(
		'upgraded', q{
SELECT string_agg(to_text || ' ' || coalesce(to_version::text, '-'), ', ' ORDER BY to_text)
  FROM dbt_contract.contract_constraint k JOIN dbt_contract.contract_model m USING (model_id)
 WHERE m.model = 'up_child'}),
	"ref('up_versioned', v=2) 2, up_raw.things -",
	'the upgrade stores foreign key targets in their one form');

# The contracts came through unchanged, and a re-apply finds nothing new.
is($node->safe_psql('upgraded', $views), $contracts_before,
	'contracts unchanged by the upgrade');
my $reapplied = $node->safe_psql('upgraded', $apply);
unlike($reapplied, qr/:(added|changed|removed)/,
	'a re-apply after the upgrade changes nothing');

# Each source became a contract of its target: the shortest schema of its
# models that the others extend with "_"; so did its history.
is( $node->safe_psql(
		'upgraded', q{
SELECT string_agg(DISTINCT CASE WHEN source LIKE '%/jaffle/%' THEN 'jaffle' ELSE source END
                  || '=' || target, ' ')
  FROM dbt_contract.models}),
	'inline_shop=shop jaffle=analytics',
	'the upgrade derived each source\'s target');
is( $node->safe_psql(
		'upgraded',
		q{SELECT count(*) FROM dbt_contract.history WHERE target IS DISTINCT FROM
            (SELECT min(m.target) FROM dbt_contract.models m WHERE m.source = history.source)}),
	'0',
	'history rows carry the target of their source');
is( $node->safe_psql(
		'upgraded',
		q{SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'inline_shop', 'shop')
           WHERE action = 'removed'}),
	'6',
	'the backfilled target is the one to remove a source for');

# Enforcement is active: the DDL a contract implies passes, a drifting one
# is refused, and verify reports the one relation still missing.
$node->safe_psql('upgraded',
	"DO \$\$ BEGIN EXECUTE dbt_contract_ddl('dim_customers'); END \$\$");
my ($ret, $out, $err) = $node->psql('upgraded',
	'ALTER TABLE analytics.dim_customers ALTER COLUMN email TYPE text');
isnt($ret, 0, 'a drifting ALTER TABLE is refused after the upgrade');
like($err, qr/breaks the enforced contract of model "dim_customers"/,
	'with the contract error');
($ret, $out, $err) = $node->psql('upgraded',
	'CREATE TABLE analytics.fct_orders__dbt_tmp (order_id int)');
isnt($ret, 0, 'a non-conforming dbt build is refused after the upgrade');
like($err, qr/does not match the enforced contract of model "fct_orders"/,
	'with the contract error');
is( $node->safe_psql('upgraded',
		"SELECT count(*) FROM dbt_contract.violations "
		  . "WHERE model = 'dim_customers'"),
	'0',
	'verify finds the contracted table as its contract says');

$node->stop;
done_testing();
