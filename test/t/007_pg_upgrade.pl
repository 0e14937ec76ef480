# pg_upgrade from an older major to the one under test, on a cluster
# with the extension, loaded contracts, contracted tables and apply
# history: afterwards every view reads the same, the event triggers are
# there and enabled, and a rebuild that breaks a contract is still refused.
# A second database takes the route of managed services that refuse to
# upgrade a cluster with event triggers (README, "Upgrading PostgreSQL"):
# the catalog's rows are dumped, the extension dropped, and after the
# upgrade the extension is created again and the rows restored.
#
# DBTC_UPGRADE_OLD_INSTALL names the older installation (with dbt_contract
# installed); scripts/run-tests.sh sets it (15 -> 17, 17 -> 18).
use strict;
use warnings;
use Cwd;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $old_install = $ENV{DBTC_UPGRADE_OLD_INSTALL} // '';
plan skip_all => 'DBTC_UPGRADE_OLD_INSTALL names no older installation'
  if $old_install eq '';

my $old = PostgreSQL::Test::Cluster->new('old', install_path => $old_install);
$old->init;
$old->start;
my $fixtures = "$ENV{PWD}/test/fixtures";

# The extension, contracts, contracted tables with rows, and two applies
# in the history.
sub setup_database
{
	my ($node, $db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	# The jaffle project's two marts, built as their contracts say, with a
	# row each (the other models' relations stay absent).
	$node->safe_psql($db, "CREATE EXTENSION dbt_contract; CREATE SCHEMA analytics");
	$node->safe_psql($db,
		"SET dbt_contract.project_dir = '$fixtures'; "
		  . "SELECT count(*) FROM dbt_contract_apply('jaffle/models', 'analytics')");
	$node->safe_psql($db, q{
	CREATE TABLE analytics.dim_customers (id int NOT NULL PRIMARY KEY,
	    customer_name text, email varchar(256) UNIQUE, first_order_date date);
	CREATE TABLE analytics.fct_orders (order_id bigint, customer_id integer,
	    amount numeric(12,2), status text, "OrderedAt" timestamptz,
	    CONSTRAINT pk_fct_orders PRIMARY KEY (order_id),
	    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id)
	        REFERENCES analytics.dim_customers (id),
	    CHECK (amount >= 0));
	INSERT INTO analytics.dim_customers VALUES (1, 'Ada', NULL, '2024-01-01');
	INSERT INTO analytics.fct_orders VALUES (10, 1, 9.50, 'placed', now());
	});
	# A second apply, so that the history holds more than one entry.
	$node->safe_psql($db, q{
SELECT count(*) FROM dbt_contract_apply_yaml($y$
version: 2
models:
  - name: inline_model
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: bigint, constraints: [{type: primary_key}]}
$y$, 'inline-source', 'analytics')});
}
setup_database($old, $_) foreach qw(shop managed);

# Every public view, one JSON row per line in a stable order, and the
# extension's event triggers with their firing state.
my $state_query = join("\nUNION ALL\n",
	map {
		"SELECT '$_', string_agg(to_jsonb(v)::text, E'\\n' ORDER BY to_jsonb(v)::text) "
		  . "FROM dbt_contract.$_ v"
	} qw(models columns constraints tests history keys relationships violations))
  . "\nUNION ALL\nSELECT 'event triggers', string_agg(format('%s %s %s', evtname, evtevent, "
  . "evtenabled), ', ' ORDER BY evtname) FROM pg_event_trigger"
  . "\nUNION ALL\nSELECT 'extension', extversion FROM pg_extension WHERE extname = 'dbt_contract'";

my $before = $old->safe_psql('shop', $state_query);
like($before, qr/^history\|.*inline-source/m, 'the history holds both applies');
my ($triggers) = $before =~ /^event triggers\|(.*)$/m;
like($triggers, qr/^(dbt_contract_\w+ \w+ A(, |$))+$/,
	'the event triggers fire always before the upgrade');

# The managed-service route: keep the catalog's rows, drop the extension
# (and with it its event triggers) before the upgrade.
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $managed_before = $old->safe_psql('managed', $state_query);
command_ok(
	[
		'pg_dump', '--data-only', '-Fc', '-t', 'dbt_contract.*',
		'-f', "$tmp/managed.dump", '-h', $old->host, '-p', $old->port, 'managed'
	],
	'the catalog rows dump before the extension is dropped');
$old->safe_psql('managed', 'DROP EXTENSION dbt_contract');
is($old->safe_psql('managed', 'SELECT count(*) FROM pg_event_trigger'),
	'0', 'no event trigger is left for the upgrade');

my $checksums = $old->safe_psql('postgres', 'SHOW data_checksums');
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('new');
# pg_upgrade wants the same checksum setting on both sides; initdb's
# default changed in 18.
my @initdb_extra = ($checksums eq 'on') ? ('--data-checksums') : ();
push @initdb_extra, '--no-data-checksums'
  if $checksums ne 'on' && $new->pg_version >= 18;
$new->init(extra => \@initdb_extra);

# pg_upgrade writes its logs into the working directory (before 15).
my $cwd = getcwd();
chdir PostgreSQL::Test::Utils::tempdir;
command_ok(
	[
		'pg_upgrade', '--no-sync',
		'-b', $old->config_data('--bindir'),
		'-B', $new->config_data('--bindir'),
		'-d', $old->data_dir, '-D', $new->data_dir,
		'-p', $old->port, '-P', $new->port,
		'-s', $new->host
	],
	'pg_upgrade from ' . $old->pg_version . ' to ' . $new->pg_version);
chdir $cwd;

$new->start;
is($new->safe_psql('shop', $state_query), $before,
	'contracts, history, keys, relationships and event triggers read the same after pg_upgrade');

# Enforcement still works in the upgraded cluster: dbt's rebuild of a
# model without its primary key is refused, a conforming one passes.
my ($ret, $out, $err) = $new->psql('shop',
	'CREATE TABLE analytics.dim_customers__dbt_tmp (id int, customer_name text, '
	  . 'email varchar(256), first_order_date date)');
like($err, qr/does not match the enforced contract of model "dim_customers"/,
	'a rebuild that breaks the contract is refused after pg_upgrade');
$new->safe_psql('shop',
	'CREATE TABLE analytics.inline_model (id bigint PRIMARY KEY)');
is($new->safe_psql('shop',
		"SELECT count(*) FROM dbt_contract.violations WHERE model = 'inline_model'"),
	'0', 'a conforming table passes after pg_upgrade');

# The managed route: the extension again, then its rows.
$new->safe_psql('managed', 'CREATE EXTENSION dbt_contract');
command_ok(
	[
		'pg_restore', '--data-only', '--exit-on-error', '-h', $new->host,
		'-p', $new->port, '-d', 'managed', "$tmp/managed.dump"
	],
	'the catalog rows restore into the re-created extension');
is($new->safe_psql('managed', $state_query), $managed_before,
	'dropping the extension around the upgrade and restoring its rows keeps every view');
($ret, $out, $err) = $new->psql('managed',
	'CREATE TABLE analytics.dim_customers__dbt_tmp (id int, customer_name text, '
	  . 'email varchar(256), first_order_date date)');
like($err, qr/does not match the enforced contract of model "dim_customers"/,
	'the re-created extension enforces the restored contracts');

# Applying still works and adds to the history.
$new->safe_psql('shop',
	"SET dbt_contract.project_dir = '$fixtures'; "
	  . "SELECT count(*) FROM dbt_contract_apply('jaffle/models', 'analytics')");
is($new->safe_psql('shop', 'SELECT count(*) FROM dbt_contract.history'),
	'3', 'a new apply after pg_upgrade joins the history');

$new->stop;
done_testing();
