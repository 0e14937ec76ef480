# A failing apply quotes a bounded prefix of the YAML in its message, and
# a statement carrying a large YAML literal is left out of the server log
# (it was logged whole with every error: 130 MB of log for a 63 MB name).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('loader_log');
$node->init;
# the default: statements are logged with their errors only (the test
# framework logs every statement)
$node->append_conf('postgresql.conf', "log_statement = 'none'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION dbt_contract; CREATE SCHEMA mart;');

my $name = 'y' x (1024 * 1024);
my $offset = -s $node->logfile;
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT * FROM dbt_contract_apply_yaml('version: 2\nmodels:\n  - name: $name\n', 'big', 'mart')");
isnt($ret, 0, 'a 1 MB model name fails the apply');
like($err, qr/model name "y{64}\.\.\." is too long \(1048576 bytes\)/,
	'the message quotes 64 characters of it');
cmp_ok(length($err), '<', 1000, 'and stays short');

my $log = slurp_file($node->logfile, $offset);
like($log, qr/model name "y{64}\.\.\." is too long/, 'the error is logged');
unlike($log, qr/STATEMENT:/, 'the 1 MB statement is not');
cmp_ok(length($log), '<', 4096, 'the log grows by a few lines');

# a short statement is still logged with its error
$offset = -s $node->logfile;
$node->psql('postgres',
	"SELECT * FROM dbt_contract_apply_yaml('version: 2\nmodels:\n  - name: a\n    columns: [{name: ctid}]\n', 'small', 'mart')");
$log = slurp_file($node->logfile, $offset);
like($log, qr/conflicts with a system column name.*\n.*\n.*STATEMENT:/s,
	'a short statement is logged with its error');

$node->stop;
done_testing();
