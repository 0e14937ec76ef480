# An ordinary role gets the same checks as a superuser and has no way to
# turn them off: not with SET, not with ALTER ROLE ... SET, not with
# PGOPTIONS at connection time (before the library is loaded), not with
# session_replication_role.  Checks survive a restart.  (Sessions seeing
# each other's applies are covered by the isolation specs.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('roles');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION dbt_contract;
CREATE SCHEMA mart;
CREATE ROLE regress_analyst LOGIN;
GRANT CREATE, USAGE ON SCHEMA mart TO regress_analyst;
SELECT count(*) FROM dbt_contract_apply_yaml($$
version: 2
models:
  - name: orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: amount, data_type: 'numeric(10,2)'}
$$, 'project', 'mart');
});

my $bad = 'CREATE TABLE mart.orders (id int, amount numeric)';
my $violation = qr/relation mart\.orders does not match the enforced contract of model "orders"/;

sub as_analyst
{
	my ($sql, %opts) = @_;
	local $ENV{PGOPTIONS} = $opts{pgoptions} if $opts{pgoptions};
	my ($ret, $out, $err) = $node->psql('postgres', $sql,
		on_error_stop => 0,
		extra_params => [ '-U', 'regress_analyst' ]);
	return ($ret, $out, $err);
}

my ($ret, $out, $err) = as_analyst($bad);
like($err, $violation, 'ordinary role: violating CREATE is rejected');
unlike($err, qr/permission denied/, 'without needing any privilege on dbt_contract');

($ret, $out, $err) = as_analyst("SET dbt_contract.enforcement = off;\n$bad");
like($err, qr/permission denied to set parameter "dbt_contract.enforcement"/,
	'SET enforcement = off is refused');
like($err, $violation, 'and the check still applies');

# smallint where the contract says int passes only under type_match = dbt.
($ret, $out, $err) = as_analyst("SET dbt_contract.type_match = dbt;\n"
	  . "CREATE TABLE mart.orders (id smallint PRIMARY KEY, amount numeric(10,2))");
like($err, qr/permission denied to set parameter "dbt_contract.type_match"/,
	'SET type_match is refused');
like($err, qr/data type mismatch/, 'and types are still compared as declared');

# Once the library is loaded in the session, SET fails outright.
($ret, $out, $err) = as_analyst("$bad;\nSET dbt_contract.enforcement = off;\n$bad");
like($err, qr/ERROR:  permission denied to set parameter "dbt_contract.enforcement"/,
	'SET after the library is loaded is an error');

($ret, $out, $err) = as_analyst(
	'ALTER ROLE regress_analyst SET dbt_contract.enforcement = off');
like($err, qr/permission denied to set parameter "dbt_contract.enforcement"/,
	'ALTER ROLE ... SET enforcement is refused');

# Before the library is loaded the setting is only a placeholder; when
# the library loads it must not take a non-superuser's value.
($ret, $out, $err) = as_analyst($bad, pgoptions => '-c dbt_contract.enforcement=off');
like($err, $violation, 'PGOPTIONS -c dbt_contract.enforcement=off does not disable checks');

($ret, $out, $err) = as_analyst("SET session_replication_role = replica;\n$bad");
like($err, qr/permission denied to set parameter "session_replication_role"/,
	'session_replication_role cannot be set by an ordinary role');
like($err, $violation, 'and the check still applies');

($ret, $out, $err) = $node->psql('postgres',
	"SET session_replication_role = replica;\n$bad", on_error_stop => 0);
like($err, $violation, 'even a superuser in replica mode is checked (ENABLE ALWAYS)');

($ret, $out, $err) = as_analyst('ALTER EVENT TRIGGER dbt_contract_check_ddl DISABLE');
like($err, qr/must be owner of event trigger/, 'cannot disable the event trigger');

($ret, $out, $err) = as_analyst(
	'CREATE TABLE mart.orders (id int PRIMARY KEY, amount numeric(10,2)); DROP TABLE mart.orders');
is($ret, 0, 'a conforming CREATE by the ordinary role passes');

$node->restart;
($ret, $out, $err) = as_analyst('CREATE TABLE mart.orders (id int)');
like($err, $violation, 'checks survive a restart');

$node->stop;
done_testing();
