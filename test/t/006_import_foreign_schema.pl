# IMPORT FOREIGN SCHEMA creates many foreign tables at once: each one
# standing at a contracted name is checked against its contract, through
# a real postgres_fdw loopback server.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('fdw');
$node->init;
$node->start;

# Servers built from source without contrib have no postgres_fdw.
if ($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_available_extensions WHERE name = 'postgres_fdw'") eq '0')
{
	$node->stop;
	plan skip_all => 'postgres_fdw is not installed for this server';
}

my $host = $node->host;
my $port = $node->port;

$node->safe_psql('postgres', qq{
CREATE EXTENSION dbt_contract;
CREATE EXTENSION postgres_fdw;
CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$host', port '$port', dbname 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER loopback;
CREATE SCHEMA remote_good;
CREATE TABLE remote_good.ft_orders (id integer, amount numeric(10,2));
CREATE SCHEMA remote_bad;
CREATE TABLE remote_bad.ft_orders (id text, amount numeric(10,2));
CREATE TABLE remote_bad.unrelated (x int);
CREATE SCHEMA imported;
});

$node->safe_psql('postgres', q{
SELECT count(*) FROM dbt_contract_apply_yaml($y$
version: 2
models:
  - name: ft_orders
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
      - {name: amount, data_type: 'numeric(10,2)'}
$y$, 'fdw_project', 'imported')});

my ($ret, $stdout, $stderr) = $node->psql('postgres',
	'IMPORT FOREIGN SCHEMA remote_bad FROM SERVER loopback INTO imported');
isnt($ret, 0, 'importing a non-conforming foreign table is refused');
like(
	$stderr,
	qr/relation imported\.ft_orders does not match the enforced contract of model "ft_orders"/,
	'the error names the relation and the model') or diag($stderr);
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_class WHERE relnamespace = 'imported'::regnamespace"),
	'0',
	'nothing was imported');

$node->safe_psql('postgres',
	'IMPORT FOREIGN SCHEMA remote_good FROM SERVER loopback INTO imported');
is( $node->safe_psql('postgres',
		"SELECT relkind FROM pg_class WHERE oid = 'imported.ft_orders'::regclass"),
	'f',
	'a conforming foreign table is imported');
is($node->safe_psql('postgres', "SELECT count(*) FROM dbt_contract_check('imported.ft_orders')"),
	'0', 'and matches its contract');

($ret, $stdout, $stderr) = $node->psql('postgres',
	'ALTER FOREIGN TABLE imported.ft_orders ALTER COLUMN id TYPE bigint');
isnt($ret, 0, 'ALTER FOREIGN TABLE that breaks the contract is refused');

$node->stop;
done_testing();
