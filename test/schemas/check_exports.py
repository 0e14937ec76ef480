#!/usr/bin/python3
"""Parse and validate the documents the export functions wrote.

    check_exports.py DIR

DIR holds osi.json, lightdash.yml, cube.yml, semantic_models.yml,
erd.svg and expected.json (the models and relationships the database
holds, from the views).  Each document is parsed (JSON or YAML) and,
where its vendor publishes a JSON schema, validated against the copy
vendored beside this script; Cube publishes none, so its document is
checked for the shape Cube's YAML loader reads.  Prints one "ok"/"not ok"
line per check (TAP-like) and exits 1 if any fails.

Uses Debian's python3-yaml and python3-jsonschema.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok" if ok else "not ok") + " - " + name + ("" if ok else ": " + detail))
    if not ok:
        failures += 1


def schema(path):
    with open(os.path.join(HERE, path)) as f:
        return json.load(f)


def validate(name, doc, schema_path):
    s = schema(schema_path)
    cls = jsonschema.validators.validator_for(s)
    errors = sorted(cls(s).iter_errors(doc), key=lambda e: list(e.path))
    check(name + " validates against " + schema_path, not errors,
          "; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:5]))


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def main(d):
    expected = json.load(open(os.path.join(d, "expected.json")))
    labels = set(expected["labels"])
    names = set(expected["relation_names"])
    rels = expected["relationships"]          # between two loaded models
    edges = set(expected["edges"])            # every DOT edge id

    # OSI / Apache Ossie
    osi = json.load(open(os.path.join(d, "osi.json")))
    validate("osi", osi, "ossie/ossie-schema.json")
    model = osi["semantic_model"][0]
    ds = {x["name"] for x in model["datasets"]}
    check("osi has a dataset per model", ds == names, "%s vs %s" % (sorted(ds), sorted(names)))
    check("osi has a relationship per relationship between models",
          len(model.get("relationships", [])) == len(rels))
    for r in model.get("relationships", []):
        ext = json.loads(r["custom_extensions"][0]["data"])
        check("osi relationship %s ends at datasets, with its cardinality" % r["name"],
              r["from"] in ds and r["to"] in ds and
              ext["cardinality"] in ("many_to_one", "one_to_one") and
              len(r["from_columns"]) == len(r["to_columns"]))
    check("osi relationship names are unique",
          len({r["name"] for r in model.get("relationships", [])}) == len(model.get("relationships", [])))

    # Lightdash: a dbt schema.yml that both dbt's and Lightdash's schemas accept
    ld = load_yaml(os.path.join(d, "lightdash.yml"))
    validate("lightdash", ld, "lightdash/lightdash-dbt-2.0.json")
    validate("lightdash", ld, "dbt/dbt_yml_files-latest.json")
    joins = []
    for m in ld["models"]:
        metas = [m.get("config", {}).get("meta")] + \
                [v.get("config", {}).get("meta") for v in m.get("versions", [])]
        for meta in metas:
            if meta:
                joins += meta.get("joins", [])
    check("lightdash has a join per relationship between models", len(joins) == len(rels),
          "%d vs %d" % (len(joins), len(rels)))

    # dbt semantic models
    sm = load_yaml(os.path.join(d, "semantic_models.yml"))
    validate("semantic_models", sm, "dbt/dbt_yml_files-latest.json")
    sms = {x["name"] for x in sm["semantic_models"]}
    check("a semantic model per model", len(sms) == len(labels))
    primaries = set()
    for x in sm["semantic_models"]:
        ents = [e["name"] for e in x.get("entities", [])]
        check("entity names unique in " + x["name"], len(ents) == len(set(ents)))
        primaries |= {e["name"] for e in x.get("entities", []) if e["type"] in ("primary", "unique")}
    for x in sm["semantic_models"]:
        for e in x.get("entities", []):
            if e["type"] == "foreign":
                check("foreign entity %s.%s joins a primary or unique entity" % (x["name"], e["name"]),
                      e["name"] in primaries)

    # Cube: no published JSON schema; the shape its YAML model loader reads
    cube = load_yaml(os.path.join(d, "cube.yml"))
    cubes = {c["name"]: c for c in cube["cubes"]}
    check("a cube per model", len(cubes) == len(labels))
    njoins = 0
    for c in cube["cubes"]:
        check("cube %s has sql_table and dimensions" % c["name"],
              isinstance(c.get("sql_table"), str) and isinstance(c.get("dimensions", []), list))
        for j in c.get("joins", []):
            njoins += 1
            check("cube join %s.%s names a cube, a relationship and {CUBE}" % (c["name"], j["name"]),
                  j["name"] in cubes and
                  j["relationship"] in ("many_to_one", "one_to_many", "one_to_one") and
                  "{CUBE}." in j["sql"] and "{%s}." % j["name"] in j["sql"])
        for dim in c.get("dimensions", []):
            check("cube dimension %s.%s" % (c["name"], dim["name"]),
                  dim["type"] in ("string", "number", "time", "boolean") and isinstance(dim["sql"], str))
    check("cube has a join per relationship between models", njoins == len(rels))

    # Graphviz: the SVG holds every model and every relationship
    svg = ET.parse(os.path.join(d, "erd.svg"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = {g.get("id") for g in svg.iterfind(".//s:g[@class='node']", ns)}
    drawn = {g.get("id") for g in svg.iterfind(".//s:g[@class='edge']", ns)}
    missing = {"model:" + x for x in labels} - nodes
    check("the SVG has a node per model", not missing, "missing " + ", ".join(sorted(missing)))
    check("the SVG has an edge per relationship", drawn == edges,
          "missing %s, extra %s" % (sorted(edges - drawn), sorted(drawn - edges)))
    text = " ".join(t.text or "" for t in svg.iterfind(".//s:text", ns))
    check("every model's name is drawn", all(x in text for x in labels))

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
