# Contracts replicate to a streaming standby, where everyone can read
# the views and nobody can apply (the standby is read-only).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION dbt_contract');
$primary->backup('base');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres',
	"SELECT count(*) FROM dbt_contract_apply_yaml(\$y\$
version: 2
models:
  - name: orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: amount, data_type: 'numeric(10,2)'}
\$y\$, 'project', 'analytics')");
$primary->wait_for_catchup($standby);

is( $standby->safe_psql('postgres',
		"SELECT string_agg(column_name || ':' || formatted_type, ',' ORDER BY ordinal) "
		  . "FROM dbt_contract.columns WHERE model = 'orders'"),
	'id:integer,amount:numeric(10,2)',
	'standby sees the applied contract');

my ($ret, $stdout, $stderr) = $standby->psql('postgres',
	"SELECT * FROM dbt_contract_apply_yaml('version: 2', 'project', 'analytics')");
isnt($ret, 0, 'apply on the standby fails');
like($stderr, qr/cannot execute dbt_contract_apply_yaml\(\) during recovery/,
	'with a clear recovery error');

# Re-apply on the primary (a removal) reaches the standby too.
$primary->safe_psql('postgres',
	"SELECT count(*) FROM dbt_contract_apply_yaml('version: 2', 'project', 'analytics')");
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT count(*) FROM dbt_contract.models'),
	'0', 'removal replicates');

$standby->stop;
$primary->stop;
done_testing();
