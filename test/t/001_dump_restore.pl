# Contracts survive a restart, and pg_dump / pg_restore of a database that
# holds contracts into a fresh database (custom and plain formats), with
# every view identical afterwards and the id sequence carried along.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION dbt_contract');

# The fixture project, once as a directory apply and once inline.
my $fixtures = "$ENV{PWD}/test/fixtures";
$node->safe_psql('src',
	"SET dbt_contract.project_dir = '$fixtures'; "
	  . "SELECT count(*) FROM dbt_contract_apply('jaffle/models', 'analytics')");
$node->safe_psql('src',
	"SELECT count(*) FROM dbt_contract_apply_yaml(\$y\$
version: 2
models:
  - name: inline_model
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: bigint, constraints: [{type: primary_key}]}
\$y\$, 'inline-source', 'analytics')");

# Everything the views show, in a stable order, as one string.
my $views_query = q{
  SELECT string_agg(x, E'\n' ORDER BY x) FROM (
    SELECT format('M %s %s %s.%s %s %s %s %s', model, version, relation_schema,
                  relation_name, materialized, enforced, description, source) AS x
      FROM dbt_contract.models
    UNION ALL
    SELECT format('C %s %s %s %s %s %s %s', model, version, ordinal, column_name,
                  formatted_type, description, quoted) FROM dbt_contract.columns
    UNION ALL
    SELECT format('K %s %s %s %s %s %s %s %s', model, version, constraint_type,
                  columns, expression, name, to_model, to_columns)
      FROM dbt_contract.constraints
    UNION ALL
    SELECT format('T %s %s %s %s %s', model, version, test_name, columns, arguments)
      FROM dbt_contract.tests) s};

my $before = $node->safe_psql('src', $views_query);
like($before, qr/M fct_orders  analytics\.fct_orders incremental t One row per order/,
	'contracts loaded before dump');

$node->restart;
is($node->safe_psql('src', $views_query), $before, 'contracts survive a restart');

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $port = $node->port;
my $host = $node->host;

# Custom format through pg_restore.
command_ok([ 'pg_dump', '-Fc', '-h', $host, '-p', $port, '-f', "$tmp/src.dump", 'src' ],
	'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE dst_custom');
command_ok(
	[ 'pg_restore', '--exit-on-error', '-h', $host, '-p', $port, '-d', 'dst_custom',
		"$tmp/src.dump" ],
	'pg_restore into a fresh database');
is($node->safe_psql('dst_custom', $views_query), $before,
	'every view identical after pg_restore');

# Plain format through psql.
command_ok([ 'pg_dump', '-h', $host, '-p', $port, '-f', "$tmp/src.sql", 'src' ],
	'pg_dump plain');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
command_ok(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-h', $host, '-p', $port,
		'-d', 'dst_plain', '-f', "$tmp/src.sql" ],
	'plain dump restores with psql');
is($node->safe_psql('dst_plain', $views_query), $before,
	'every view identical after a plain restore');

# Fingerprints came along: re-applying the same YAML changes nothing, and
# the id sequence came along: a new source can be added without clashes.
is( $node->safe_psql('dst_custom',
		"SET dbt_contract.project_dir = '$fixtures'; "
		  . "SELECT string_agg(DISTINCT action, ',') FROM dbt_contract_apply('jaffle/models', 'analytics')"
	),
	'unchanged',
	're-apply after restore reports unchanged');
is( $node->safe_psql('dst_custom',
		"SELECT action FROM dbt_contract_apply_yaml('version: 2\nmodels:\n  - name: after_restore', 'new-source', 'analytics')"
	),
	'added',
	'new contracts can be added after restore');
is($node->safe_psql('dst_custom',
		'SELECT count(DISTINCT model_id) = count(*) FROM dbt_contract.contract_model'),
	't', 'model ids stay unique after restore');

$node->stop;
done_testing();
