#!/usr/bin/env python3
"""Generate a dbt project of N contracted models for the dbt benchmarks.

    python3 test/bench/gen_dbt_project.py --models 200 --out DIR \
        [--package ../dbt] [--tests] [--yaml-files 20]

DIR gets dbt_project.yml (project `bench`, profile from the environment:
PGHOST, PGPORT, PGUSER, PGDATABASE, schema DBT_SCHEMA or `bench`),
profiles.yml, models/m_NNNN.sql and models/schema_NN.yml.  With
--package, packages.yml installs the dbt_contract package from that path
and on-run-start calls its hook.

Every tenth model is a root table built from generate_series; the others
read from a root and declare a foreign key to it (`to: ref(...)`), so
the DAG is two levels deep and wide.  One model in ten is a view (names
and types only); the tables carry primary key, not_null, unique, check
and foreign_key constraints.  All contracts are enforced.  With --tests,
ids get unique/not_null tests and foreign keys a relationships test.
"""
import argparse
import os

COLUMNS = [
    # name, data_type, SQL expression over the parent's id
    ("id", "integer", "id"),
    ("parent_id", "integer", "id"),
    ("name", "text", "'n' || id"),
    ("amount", "numeric(12,2)", "(id * 1.5)::numeric(12,2)"),
    ("created_at", "timestamp with time zone", "now()"),
    ("is_even", "boolean", "id % 2 = 0"),
    ("code", "varchar(20)", "('c' || id)::varchar(20)"),
]


def name(i):
    return "m_%04d" % i


def root_of(i):
    return (i // 10) * 10


def is_root(i):
    return i % 10 == 0


def is_view(i):
    return i % 10 == 9


def model_sql(i):
    if is_root(i):
        return ("select\n    g::integer as id,\n    g::integer as parent_id,\n"
                "    'n' || g as name,\n    (g * 1.5)::numeric(12,2) as amount,\n"
                "    now() as created_at,\n    g % 2 = 0 as is_even,\n"
                "    ('c' || g)::varchar(20) as code\n"
                "from generate_series(1, 100) as g\n")
    cols = ",\n".join("    %s as %s" % (expr, col) for col, _, expr in COLUMNS)
    return "select\n%s\nfrom {{ ref('%s') }}\n" % (cols, name(root_of(i)))


def model_yaml(i, tests):
    out = ["  - name: %s" % name(i),
           "    description: Generated model %d." % i,
           "    config:",
           "      materialized: %s" % ("view" if is_view(i) else "table"),
           "      contract: {enforced: true}",
           "    columns:"]
    for col, dtype, _ in COLUMNS:
        out.append("      - name: %s" % col)
        out.append("        data_type: %s" % dtype)
        cons = []
        if not is_view(i):
            if col == "id":
                cons = ["{type: primary_key}"]
            elif col == "name":
                cons = ["{type: not_null}"]
            elif col == "code":
                cons = ["{type: unique}"]
            elif col == "amount":
                cons = ["{type: check, expression: \"amount >= 0\"}"]
            elif col == "parent_id" and not is_root(i):
                cons = ["{type: foreign_key, to: \"ref('%s')\", to_columns: [id]}"
                        % name(root_of(i))]
        if cons:
            out.append("        constraints:")
            out.extend("          - %s" % c for c in cons)
        if tests and col == "id":
            out.append("        data_tests: [unique, not_null]")
        if tests and col == "parent_id" and not is_root(i):
            out.append("        data_tests:")
            out.append("          - relationships:")
            out.append("              arguments: {to: \"ref('%s')\", field: id}"
                       % name(root_of(i)))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--package")
    ap.add_argument("--tests", action="store_true")
    ap.add_argument("--yaml-files", type=int, default=10)
    args = ap.parse_args()

    models = os.path.join(args.out, "models")
    os.makedirs(models, exist_ok=True)
    with open(os.path.join(args.out, "dbt_project.yml"), "w") as f:
        f.write("name: bench\nversion: '1.0'\nconfig-version: 2\nprofile: bench\n"
                "flags: {send_anonymous_usage_stats: false}\n")
        if args.package:
            f.write('on-run-start:\n  - "{{ dbt_contract.apply_contracts() }}"\n')
    if args.package:
        with open(os.path.join(args.out, "packages.yml"), "w") as f:
            f.write("packages:\n  - local: %s\n" % args.package)
    with open(os.path.join(args.out, "profiles.yml"), "w") as f:
        f.write("""bench:
  target: bench
  outputs:
    bench:
      type: postgres
      host: "{{ env_var('PGHOST') }}"
      port: "{{ env_var('PGPORT') | as_number }}"
      user: "{{ env_var('PGUSER', 'postgres') }}"
      password: ""
      dbname: "{{ env_var('PGDATABASE') }}"
      schema: "{{ env_var('DBT_SCHEMA', 'bench') }}"
      threads: 2
""")
    for i in range(args.models):
        with open(os.path.join(models, name(i) + ".sql"), "w") as f:
            f.write(model_sql(i))
    per_file = -(-args.models // args.yaml_files)
    for k in range(args.yaml_files):
        chunk = range(k * per_file, min(args.models, (k + 1) * per_file))
        if not chunk:
            break
        with open(os.path.join(models, "schema_%02d.yml" % k), "w") as f:
            f.write("version: 2\n\nmodels:\n")
            for i in chunk:
                f.write(model_yaml(i, args.tests))


if __name__ == "__main__":
    main()
