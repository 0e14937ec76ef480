{#-
  dbt_contract.generate(schema=none, models=none, include_data_types=true,
                        include_constraints=true, include_tests=false,
                        include_descriptions=true)

  Prints the schema.yml the database would give its relations (the
  extension's dbt_contract_generate), like dbt-codegen's
  generate_model_yaml but with exact types and the constraints:

      dbt run-operation dbt_contract.generate --args '{schema: analytics}'
      dbt run-operation dbt_contract.generate --args '{models: [orders, customers]}'

  schema: every table and view of that schema (default: the target's
  schema, when models is not given either).  models: models of this
  project, by name, read at the relations dbt resolved for them (all in
  one schema).  Nothing is created or changed.
-#}
{% macro generate(schema=none, models=none, include_data_types=true,
                  include_constraints=true, include_tests=false,
                  include_descriptions=true) -%}
  {%- if not execute -%}{{- return('') -}}{%- endif -%}
  {%- set fn_schema = var('dbt_contract_schema', none) -%}
  {%- set fn = (adapter.quote(fn_schema) ~ '.' if fn_schema else '') ~ 'dbt_contract_generate' -%}
  {%- if models is not none -%}
    {%- set rels = [] -%}
    {%- for node in graph.nodes.values()
          if node.resource_type == 'model' and node.name in models -%}
      {%- do rels.append("'" ~ ((adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.alias))
                                | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- if rels | length == 0 -%}
      {%- do exceptions.raise_compiler_error('dbt_contract.generate: no model of this project is named ' ~ models | join(', ')) -%}
    {%- endif -%}
    {%- set subject = 'relations => array[' ~ rels | join(', ') ~ ']::regclass[]' -%}
  {%- else -%}
    {%- set s = schema if schema is not none else target.schema -%}
    {%- set subject = "schema => '" ~ (s | replace("'", "''")) ~ "'" -%}
  {%- endif -%}
  {%- set query = 'select ' ~ fn ~ '(' ~ subject
        ~ ', include_data_types => ' ~ ('true' if include_data_types else 'false')
        ~ ', include_constraints => ' ~ ('true' if include_constraints else 'false')
        ~ ', include_tests => ' ~ ('true' if include_tests else 'false')
        ~ ', include_descriptions => ' ~ ('true' if include_descriptions else 'false') ~ ')' -%}
  {%- set yaml = run_query(query).columns[0].values()[0] -%}
  {%- do print(yaml) -%}
  {{- return(yaml) -}}
{%- endmacro %}
