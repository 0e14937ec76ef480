#!/usr/bin/env python3
"""Generate a large, realistic dbt schema.yml for the loader benchmark.

    python3 test/bench/gen_schema.py --models 10000 --columns 20 --out bench.yml

The file looks like what a big dbt project accumulates: `version: 2`, one
`models:` list, each model with a description, a `config:` block
(materialized table or incremental, an enforced contract, sometimes a
custom schema), columns with a mix of data_type spellings, column- and
model-level constraints (not_null, unique, primary_key, check, foreign_key
with `to: ref(...)` and `to_columns`), and data tests (unique, not_null,
relationships, accepted_values, a package test at the model level).

Every model is valid for dbt_contract_apply: one primary key per model, at
one level only; foreign keys name earlier models; incremental models set
on_schema_change.  Output is deterministic for a given --seed.

Only the standard library is used, and the YAML is written by hand so
that the layout is the block style dbt users write.
"""
import argparse
import random
import sys

LAYERS = ["stg", "int", "fct", "dim", "mart"]
DOMAINS = ["orders", "customers", "payments", "shipments", "invoices",
           "products", "inventory", "sessions", "events", "accounts",
           "subscriptions", "refunds", "campaigns", "leads", "tickets",
           "suppliers", "returns", "carts", "reviews", "employees"]
WORDS = ["amount", "status", "created_at", "updated_at", "quantity", "price",
         "discount", "tax", "currency", "country_code", "region", "channel",
         "is_active", "is_deleted", "email", "phone", "first_name",
         "last_name", "city", "postal_code", "category", "sku", "weight",
         "score", "rank", "source_system", "batch_id", "loaded_at",
         "valid_from", "valid_to", "notes", "priority", "segment", "tier",
         "margin", "cost", "revenue", "order_date", "ship_date", "due_date",
         "paid_at", "attempts", "duration_s", "device", "browser",
         "referrer", "utm_source", "utm_medium", "language", "timezone",
         "properties"]
# data_type spellings by what a column holds, and how often each occurs.
TEXT_TYPES = [("text", 10), ("varchar(256)", 6), ("string", 6),
              ("character varying(64)", 1)]
TYPE_FAMILIES = {
    "money": [("numeric(12,2)", 8), ("numeric", 1), ("double precision", 1)],
    "count": [("int", 8), ("integer", 3), ("bigint", 4), ("smallint", 1)],
    "measure": [("double precision", 3), ("numeric(12,2)", 2), ("real", 1)],
    "ts": [("timestamptz", 8), ("timestamp", 3), ("timestamp with time zone", 1)],
    "date": [("date", 1)],
    "flag": [("boolean", 4), ("bool", 1)],
    "key": [("uuid", 1), ("bigint", 2), ("text", 1)],
    "json": [("jsonb", 3), ("json", 1)],
    "text": TEXT_TYPES,
}
FAMILY_OF = {
    "amount": "money", "price": "money", "discount": "money", "tax": "money",
    "margin": "money", "cost": "money", "revenue": "money",
    "quantity": "count", "rank": "count", "priority": "count",
    "attempts": "count", "duration_s": "count",
    "score": "measure", "weight": "measure",
    "created_at": "ts", "updated_at": "ts", "loaded_at": "ts", "paid_at": "ts",
    "valid_from": "date", "valid_to": "date", "order_date": "date",
    "ship_date": "date", "due_date": "date",
    "is_active": "flag", "is_deleted": "flag",
    "batch_id": "key", "properties": "json",
}
STATUSES = ["placed", "shipped", "completed", "returned", "cancelled",
            "pending", "active", "inactive", "archived"]
PHRASES = ["Surrogate key of the", "Natural key as delivered by the source for the",
           "Timestamp of the last change to the", "Amount in the account currency of the",
           "Lifecycle state of the", "Free text kept from the upstream",
           "Flag set by the nightly dedup job on the", "Foreign key to the parent of the"]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    r = rng.uniform(0, total)
    for v, w in pairs:
        r -= w
        if r <= 0:
            return v
    return pairs[-1][0]


def quote(s):
    """A YAML double-quoted scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_name(i):
    return "%s_%s_%05d" % (LAYERS[i % len(LAYERS)],
                           DOMAINS[(i // len(LAYERS)) % len(DOMAINS)], i)


def column_names(rng, ncols):
    names = ["id"]
    pool = rng.sample(WORDS, min(len(WORDS), max(0, ncols - 1)))
    k = 0
    while len(names) < ncols:
        base = pool[k % len(pool)] if pool else "col"
        names.append(base if k < len(pool) else "%s_%d" % (base, k))
        k += 1
    return names[:ncols]


def gen_model(rng, i, ncols, out):
    name = model_name(i)
    w = out.append
    incremental = rng.random() < 0.3
    model_pk = rng.random() < 0.35     # primary key at model level
    names = column_names(rng, ncols)
    # Up to two foreign-key columns pointing at earlier models.
    fk_cols = {}
    if i > 0 and ncols > 2:
        for slot in range(1 if rng.random() < 0.6 else 2):
            target = rng.randrange(max(0, i - 500), i)
            col = ncols - 1 - slot
            names[col] = "%s_id" % DOMAINS[(target // len(LAYERS)) % len(DOMAINS)]
            if names[col] in names[:col] or names[col] in names[col + 1:]:
                names[col] = "%s_%d" % (names[col], slot)
            fk_cols[col] = target

    w("  - name: %s" % name)
    w("    description: %s" % quote("%s %s, one row per %s (generated model %d)."
                                  % (rng.choice(PHRASES), LAYERS[i % len(LAYERS)],
                                     DOMAINS[(i // len(LAYERS)) % len(DOMAINS)][:-1], i)))
    w("    config:")
    w("      materialized: %s" % ("incremental" if incremental else "table"))
    if incremental:
        w("      on_schema_change: %s" % rng.choice(["append_new_columns", "fail"]))
        w("      unique_key: id")
    if rng.random() < 0.1:
        w("      schema: %s" % rng.choice(["marts", "finance", "ops"]))
    if rng.random() < 0.5:
        w("      contract: {enforced: true}")
    else:
        w("      contract:")
        w("        enforced: true")
    if rng.random() < 0.2:
        w("      tags: [%s, nightly]" % LAYERS[i % len(LAYERS)])

    numeric_cols = []
    w("    columns:")
    for c, col in enumerate(names):
        if c == 0:
            dtype = "bigint" if rng.random() < 0.5 else "int"
        elif c in fk_cols:
            dtype = "bigint"
        elif col == "status":
            dtype = rng.choice(["text", "varchar(256)", "string"])
        else:
            family = FAMILY_OF.get(col.rsplit("_", 1)[0] if col[-1].isdigit() else col, "text")
            dtype = weighted(rng, TYPE_FAMILIES[family])
            if family in ("money", "count", "measure"):
                numeric_cols.append(col)
        w("      - name: %s" % col)
        w("        data_type: %s" % dtype)
        if rng.random() < 0.7:
            w("        description: %s" % quote("%s %s." % (rng.choice(PHRASES), col.replace("_", " "))))
        cons = []
        tests = []
        if c == 0:
            cons.append(["type: not_null"])
            if not model_pk:
                cons.append(["type: primary_key"])
            tests += ["unique", "not_null"]
        elif c in fk_cols:
            target = model_name(fk_cols[c])
            cons.append(["type: not_null"])
            cons.append(["type: foreign_key", "to: ref('%s')" % target, "to_columns: [id]"])
            tests.append(["relationships:",
                          "  arguments:",
                          "    to: ref('%s')" % target,
                          "    field: id"])
        else:
            r = rng.random()
            if r < 0.15:
                cons.append(["type: not_null"])
                tests.append("not_null")
            elif r < 0.2:
                cons.append(["type: unique"])
                tests.append("unique")
            if col in numeric_cols and rng.random() < 0.3:
                cons.append(["type: check", "expression: \"%s >= 0\"" % col])
            if col == "status":
                tests.append(["accepted_values:",
                              "  arguments:",
                              "    values: [%s]" % ", ".join(
                                  "'%s'" % s for s in rng.sample(STATUSES, 4))])
            elif rng.random() < 0.05:
                tests.append(["not_null:", "  config:", "    severity: warn"])
        if cons:
            w("        constraints:")
            for con in cons:
                w("          - " + con[0])
                for line in con[1:]:
                    w("            " + line)
        if tests:
            w("        data_tests:")
            for t in tests:
                if isinstance(t, str):
                    w("          - " + t)
                else:
                    w("          - " + t[0])
                    for line in t[1:]:
                        w("            " + line)

    model_cons = []
    if model_pk:
        model_cons.append(["type: primary_key", "columns: [id]",
                           "name: pk_%s" % name])
    if len(numeric_cols) >= 2 and rng.random() < 0.2:
        a, b = numeric_cols[:2]
        model_cons.append(["type: check", "columns: [%s, %s]" % (a, b),
                           "expression: \"%s <= %s + 1000\"" % (a, b)])
    if ncols >= 3 and rng.random() < 0.15:
        model_cons.append(["type: unique", "columns: [%s, %s]" % (names[1], names[2])])
    if model_cons:
        w("    constraints:")
        for con in model_cons:
            w("      - " + con[0])
            for line in con[1:]:
                w("        " + line)
    if ncols >= 3 and rng.random() < 0.1:
        w("    data_tests:")
        w("      - dbt_utils.unique_combination_of_columns:")
        w("          arguments:")
        w("            combination_of_columns: [%s, %s]" % (names[0], names[1]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=int, default=10000)
    ap.add_argument("--columns", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", default="-")
    args = ap.parse_args(argv)
    if args.models < 0 or args.columns < 1:
        ap.error("--models must be >= 0 and --columns >= 1")

    rng = random.Random(args.seed)
    lines = ["# Generated by test/bench/gen_schema.py --models %d --columns %d --seed %d"
             % (args.models, args.columns, args.seed),
             "version: 2", "", "models:"]
    for i in range(args.models):
        gen_model(rng, i, args.columns, lines)
    text = "\n".join(lines) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
