# pg_restore of a database whose contracted tables exist and conform:
# the restore creates tables before the contract rows and keys exist, and
# adds keys afterwards, and must succeed (custom format serial and
# parallel, single transaction, plain SQL).  Afterwards the restored
# database enforces the contracts like the original.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restore');
$node->init;
$node->start;
my ($host, $port) = ($node->host, $node->port);
my $fixtures = "$ENV{PWD}/test/fixtures";

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', qq{
CREATE EXTENSION dbt_contract;
CREATE SCHEMA analytics;
CREATE SCHEMA analytics_geo;
CREATE SCHEMA reference;
CREATE TABLE reference.countries (code char(2) PRIMARY KEY);
INSERT INTO reference.countries VALUES ('NL'), ('DE');
SET dbt_contract.project_dir = '$fixtures';
SELECT count(*) FROM dbt_contract_apply('jaffle/models', 'analytics');
CREATE TABLE analytics.dim_customers (
    id int NOT NULL PRIMARY KEY, customer_name text,
    email varchar(256) UNIQUE, first_order_date date);
CREATE TABLE analytics.fct_orders (
    order_id bigint, customer_id integer, amount numeric(12,2), status text,
    "OrderedAt" timestamptz,
    CONSTRAINT pk_fct_orders PRIMARY KEY (order_id),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id)
        REFERENCES analytics.dim_customers (id),
    CHECK (amount >= 0));
CREATE TABLE analytics_geo.regions (
    region_id smallint NOT NULL CHECK (region_id > 0),
    country_code char(2) REFERENCES reference.countries (code));
CREATE TABLE analytics.customer_orders_v1 (
    customer_id int NOT NULL PRIMARY KEY, order_count bigint, legacy_flag boolean);
CREATE TABLE analytics.customer_orders_v2 (
    customer_id int NOT NULL PRIMARY KEY, order_count bigint, lifetime_value numeric);
INSERT INTO analytics.dim_customers VALUES (1, 'Ada', 'ada\@example.com', '2024-01-01');
INSERT INTO analytics.fct_orders VALUES (10, 1, 9.50, 'placed', now());
INSERT INTO analytics_geo.regions VALUES (1, 'NL');
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
command_ok([ 'pg_dump', '-Fc', '-h', $host, '-p', $port, '-f', "$tmp/src.dump", 'src' ],
	'dump a database with contracted tables');
command_ok([ 'pg_dump', '-Fd', '-h', $host, '-p', $port, '-f', "$tmp/src.dir", 'src' ],
	'directory-format dump for a parallel restore');
command_ok([ 'pg_dump', '-h', $host, '-p', $port, '-f', "$tmp/src.sql", 'src' ],
	'plain dump');

my %restores = (
	serial => [ 'pg_restore', '--exit-on-error', "$tmp/src.dump" ],
	single_txn => [ 'pg_restore', '--exit-on-error', '--single-transaction', "$tmp/src.dump" ],
	parallel => [ 'pg_restore', '--exit-on-error', '-j', '2', "$tmp/src.dir" ],
	plain => [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$tmp/src.sql" ]);

my $state_query = q{
  SELECT (SELECT count(*) FROM dbt_contract.models) || ' models, ' ||
         (SELECT count(*) FROM analytics.fct_orders) || ' orders, ' ||
         (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
           WHERE conrelid = 'analytics.fct_orders'::regclass)};
my $expected = $node->safe_psql('src', $state_query);

foreach my $kind (sort keys %restores)
{
	my $db = "dst_$kind";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	my @cmd = @{ $restores{$kind} };
	splice(@cmd, 1, 0, '-h', $host, '-p', $port, '-d', $db);
	command_ok(\@cmd, "$kind restore succeeds");
	is($node->safe_psql($db, $state_query), $expected,
		"$kind restore brings back contracts, data and keys");

	# The restored database enforces: a rebuild without the key fails.
	my ($ret, $out, $err) = $node->psql($db,
		'CREATE TABLE analytics.dim_customers__dbt_tmp (id int, customer_name text, '
		  . 'email varchar(256), first_order_date date)');
	like($err, qr/does not match the enforced contract of model "dim_customers"/,
		"$kind restore: contracts are enforced afterwards");
}

$node->stop;
done_testing();
