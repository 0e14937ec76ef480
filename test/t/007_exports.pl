# The BI exports parse and validate against their vendors' published JSON
# schemas (vendored under test/schemas/: Apache Ossie, Lightdash, dbt), the
# Cube document has the shape Cube reads, and the ER diagram renders with
# Graphviz into an SVG that holds every model and every relationship.  The
# exact texts are pinned by the exports pg_regress suite; this test reads
# them as their consumers would.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Copy qw(copy);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = abs_path('test/fixtures');
my $checker = abs_path('test/schemas/check_exports.py');
my $dir = PostgreSQL::Test::Utils::tempdir();

my $node = PostgreSQL::Test::Cluster->new('exports');
$node->init;
$node->start;

# The sample project, plus composite keys, a one-to-one relationship, two
# foreign keys to one model, a versioned target and one enforced edge, all
# for one target (an export covers one).
$node->safe_psql('postgres', qq{
CREATE EXTENSION dbt_contract;
SET dbt_contract.project_dir = '$fixtures';
SELECT count(*) FROM dbt_contract_apply('jaffle/models', 'analytics');
SELECT count(*) FROM dbt_contract_apply_yaml(\$\$
version: 2
models:
  - name: shop_customers
    columns:
      - {name: id, data_type: int, constraints: [{type: primary_key}]}
      - {name: email, data_type: text, constraints: [{type: unique}]}
  - name: shop_products
    latest_version: 2
    columns:
      - {name: product_id, data_type: bigint, constraints: [{type: primary_key}]}
    versions: [{v: 1}, {v: 2}]
  - name: shop_orders
    constraints:
      - {type: primary_key, columns: [order_id]}
      - {type: foreign_key, columns: [customer_id], to: "ref('shop_customers')", to_columns: [id]}
      - {type: foreign_key, columns: [billing_email], to: "ref('shop_customers')", to_columns: [email]}
    columns:
      - {name: order_id, data_type: int}
      - {name: customer_id, data_type: int}
      - {name: billing_email, data_type: text}
      - {name: product_id, data_type: bigint,
         data_tests: [{relationships: {to: "ref('shop_products')", field: product_id}}]}
      - {name: OrderedAt, data_type: timestamptz, quote: true}
  - name: shop_lines
    constraints:
      - {type: primary_key, columns: [order_id, line_no]}
      - {type: foreign_key, columns: [order_id], to: "ref('shop_orders')", to_columns: [order_id]}
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: smallint}
  - name: shop_line_notes
    constraints:
      - {type: primary_key, columns: [line_no, order_id]}
      - {type: foreign_key, columns: [line_no, order_id], to: "ref('shop_lines')",
         to_columns: [line_no, order_id]}
    columns:
      - {name: order_id, data_type: int}
      - {name: line_no, data_type: smallint}
\$\$, 'shop', 'analytics');
CREATE SCHEMA analytics;
CREATE TABLE analytics.shop_customers (id int PRIMARY KEY, email text UNIQUE);
CREATE TABLE analytics.shop_orders (order_id int PRIMARY KEY,
    customer_id int REFERENCES analytics.shop_customers (id), billing_email text,
    product_id bigint, "OrderedAt" timestamptz);
});

is($node->safe_psql('postgres', q{
SELECT count(*) FROM dbt_contract.relationships WHERE enforced}), '1',
	'one relationship is enforced by a live foreign key');

sub export_to
{
	my ($file, $sql) = @_;
	my $out = $node->safe_psql('postgres', $sql);
	open my $fh, '>', "$dir/$file" or die "$dir/$file: $!";
	print $fh $out, "\n";
	close $fh;
	return $out;
}

export_to('osi.json', 'SELECT dbt_contract_export_osi()');
export_to('lightdash.yml', 'SELECT dbt_contract_export_lightdash()');
export_to('cube.yml', 'SELECT dbt_contract_export_cube()');
export_to('semantic_models.yml', 'SELECT dbt_contract_export_semantic_models()');
export_to('erd.dot', q{SELECT dbt_contract_erd('dot')});
my $mermaid = export_to('erd.mmd', 'SELECT dbt_contract_erd()');

# What the diagram and the documents should hold, from the views: every
# model (label: model, model_vN for a version), every relationship between
# two loaded models, and every drawn edge (also to sources).
export_to('expected.json', q{
WITH m AS (SELECT model, version, relation_name,
                  model || coalesce('_v' || version, '') AS label
             FROM dbt_contract.models),
r AS (SELECT f.label AS from_label, t.label AS to_label, r.*
        FROM dbt_contract.relationships r
        JOIN m f ON f.model = r.from_model AND f.version IS NOT DISTINCT FROM r.from_version
        LEFT JOIN m t ON t.model = r.to_model AND t.version IS NOT DISTINCT FROM r.to_version)
SELECT json_build_object(
    'labels', (SELECT json_agg(label) FROM m),
    'relation_names', (SELECT json_agg(relation_name) FROM m),
    'relationships', (SELECT coalesce(json_agg(from_label || '->' || to_label), '[]')
                        FROM r WHERE to_label IS NOT NULL),
    'edges', (SELECT json_agg(format('rel:%s(%s)->%s(%s)', from_label,
                                     array_to_string(from_columns, ','),
                                     coalesce(to_label, to_relation),
                                     array_to_string(to_columns, ',')))
                FROM r WHERE to_label IS NOT NULL OR to_model IS NULL))});

my ($out, $err) = run_command([ 'dot', '-Tsvg', "$dir/erd.dot", '-o', "$dir/erd.svg" ]);
is($err, '', 'Graphviz renders the DOT without a warning');
ok(-s "$dir/erd.svg", 'dot -Tsvg wrote the SVG');

# Every check of the validator, one test each
sub run_checker
{
	my ($d) = @_;
	my ($out, $err);
	IPC::Run::run([ '/usr/bin/python3', $checker, $d ], '>', \$out, '2>', \$err);
	return ($?, $out, $err);
}
my ($rc, $checks, $checks_err) = run_checker($dir);
is($checks_err, '', 'the validator ran');
my @lines = grep { /^(not )?ok - / } split /\n/, $checks;
cmp_ok(scalar @lines, '>', 20, 'the validator made its checks');
ok($_ =~ /^ok - /, $_ =~ s/^(not )?ok - //r) foreach @lines;
is($rc, 0, 'the validator found nothing wrong');

# Mermaid: no renderer here; an entity per model and a line per edge
my $expected = $node->safe_psql('postgres', q{
SELECT count(*) FROM dbt_contract.models});
my $entities = () = $mermaid =~ /^    [A-Za-z_][A-Za-z0-9_-]*(?: \{)?$/mg;
my $edges = () = $mermaid =~ /^    \S+ (?:\}o|\|o)(?:--|\.\.)\|\| \S+ : "[^"]*"$/mg;
my $sources = $node->safe_psql('postgres', q{
SELECT count(DISTINCT to_relation) FROM dbt_contract.relationships WHERE to_model IS NULL});
is($entities, $expected + $sources, 'Mermaid has an entity per model and per source');
is($edges, $node->safe_psql('postgres', q{
SELECT count(*) FROM dbt_contract.relationships r
 WHERE r.to_model IS NULL OR EXISTS (SELECT 1 FROM dbt_contract.models m
                                      WHERE m.model = r.to_model
                                        AND m.version IS NOT DISTINCT FROM r.to_version)}),
	'Mermaid has an edge per relationship');
like($mermaid, qr/^    shop_orders \}o--\|\| shop_customers : "customer_id"$/m,
	'the enforced edge is solid');
like($mermaid, qr/^    shop_orders \}o\.\.\|\| shop_customers : "billing_email \(declared\)"$/m,
	'a declared-only edge is dotted');
like($mermaid, qr/^    shop_line_notes \|o\.\.\|\| shop_lines /m,
	'a one-to-one edge has zero-or-one at its from end');

# The validator can fail: a dataset without its source, a Lightdash join
# with a relationship Lightdash does not know, and an SVG short of an edge
my $bad = "$dir/bad";
mkdir $bad;
copy("$dir/$_", "$bad/$_") foreach qw(lightdash.yml cube.yml semantic_models.yml expected.json);
my $osi = slurp_file("$dir/osi.json");
$osi =~ s/"source": "[^"]*", //;
open my $fh, '>', "$bad/osi.json" or die;
print $fh $osi;
close $fh;
my $ld = slurp_file("$dir/lightdash.yml");
$ld =~ s/relationship: many-to-one/relationship: many_to_one/;
open $fh, '>', "$bad/lightdash.yml" or die;
print $fh $ld;
close $fh;
my $svg = slurp_file("$dir/erd.svg");
$svg =~ s/<g id="rel:[^"]*" class="edge">.*?<\/g>//s;
open $fh, '>', "$bad/erd.svg" or die;
print $fh $svg;
close $fh;
($rc, $checks) = run_checker($bad);
isnt($rc, 0, 'the validator fails on broken documents');
like($checks, qr/^not ok - osi validates against/m, 'a dataset without source is refused by the Ossie schema');
like($checks, qr/^not ok - lightdash validates against lightdash/m,
	'a relationship Lightdash does not know is refused by its schema');
like($checks, qr/^not ok - the SVG has an edge per relationship/m, 'a missing edge is noticed');

$node->stop;
done_testing();
