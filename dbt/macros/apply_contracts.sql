{#-
  dbt_contract.apply_contracts(source=none, allow_breaking=false, targets=none)

  Used as an on-run-start hook:

      on-run-start: "{{ dbt_contract.apply_contracts() }}"

  it renders ONE statement,

      select * from dbt_contract_apply_manifest($tag$<json>$tag$::jsonb,
                                                'dbt:<project_name>', false,
                                                '<target.schema>')

  where <json> is {"nodes": {...}, "sources": {...}, "semantic_models": {...}}
  built from this run's `graph`: every
  model node (versions included, enforced contract or not) with its
  resolved relation (schema, alias), config (materialized, contract,
  on_schema_change, enabled), columns and column- and model-level
  constraints as dbt parsed them (a foreign key's `to` is still the
  `ref(...)` / `source(...)` text at on-run-start), and every generic test
  node attached to one of those models (test_metadata, column_name,
  attached_node), the source tables, seeds and snapshots models depend
  on, with their schema and identifier or alias (so that a foreign key to
  one is stored as the relation it compiles to), and the semantic models'
  entities and the meta.primary_key / meta.joins of models (keys BI tools
  read).  The JSON is dollar-quoted with a tag checked not to
  occur in it.  The contracts are applied for the run's own target
  (target.schema): a dev or CI run keeps its own contracts, enforced on its
  own relations, next to production's.

  Arguments:
    source          the source name the contracts are kept under
                    (default 'dbt:<project_name>')
    allow_breaking  accept breaking changes of versioned models
    targets         a list of target names the hook applies contracts for
                    (default: every target, each for itself); an opt-out,
                    e.g. ['prod', 'ci'] leaves dev runs unchecked

  Variables:
    dbt_contract_enabled  (default true)  false: the hook renders nothing
    dbt_contract_schema   (default none)  schema of the extension's functions
                                          when it is not on the search_path
-#}
{% macro apply_contracts(source=none, allow_breaking=false, targets=none) -%}
  {%- if not execute or not var('dbt_contract_enabled', true)
        or (targets is not none and target.name not in targets) -%}
    {{- return('') -}}
  {%- endif -%}
  {{- return(dbt_contract.apply_contracts_sql(source, allow_breaking)) -}}
{%- endmacro %}


{#-
  dbt_contract.apply(source=none, allow_breaking=false): the same apply as
  an operation, printing what changed:

      dbt run-operation dbt_contract.apply --target prod
-#}
{% macro apply(source=none, allow_breaking=false) -%}
  {%- set result = run_query(dbt_contract.apply_contracts_sql(source, allow_breaking)) -%}
  {%- for row in result.rows -%}
    {%- do log('dbt_contract: ' ~ row['action'] ~ ' ' ~ row['model']
               ~ (' v' ~ row['version'] if row['version'] is not none else '')
               ~ ' -> ' ~ row['relation'], info=true) -%}
  {%- endfor -%}
{%- endmacro %}


{#- The one statement that applies this run's contracts. -#}
{% macro apply_contracts_sql(source=none, allow_breaking=false) -%}
  {%- set payload = dbt_contract.contracts_json() -%}
  {%- set tag = dbt_contract.dollar_quote_tag(payload) -%}
  {%- set src = source if source is not none else 'dbt:' ~ project_name -%}
  {%- set fn_schema = var('dbt_contract_schema', none) -%}
  {%- set fn = (adapter.quote(fn_schema) ~ '.' if fn_schema else '') ~ 'dbt_contract_apply_manifest' -%}
  {{- return('select * from ' ~ fn ~ '(' ~ tag ~ payload ~ tag ~ "::jsonb, '"
             ~ (src | replace("'", "''")) ~ "', " ~ ('true' if allow_breaking else 'false')
             ~ ", '" ~ (target.schema | replace("'", "''")) ~ "')") -}}
{%- endmacro %}


{#- The compact manifest ({"nodes": ..., "sources": ..., "semantic_models": ...}) as one JSON string. -#}
{% macro contracts_json() -%}
  {%- set nodes = {} -%}
  {%- for uid, node in graph.nodes.items() if node.resource_type == 'model' -%}
    {%- set columns = {} -%}
    {%- for key, col in node.columns.items() -%}
      {%- do columns.update({key: {
            'name': col.name,
            'data_type': col.data_type,
            'description': col.description,
            'quote': col.quote,
            'constraints': col.constraints,
          }}) -%}
    {%- endfor -%}
    {#- of meta, the keys BI tools declare (Lightdash) -#}
    {%- set meta = {} -%}
    {%- for k in ['primary_key', 'joins'] if k in node.config.meta -%}
      {%- do meta.update({k: node.config.meta[k]}) -%}
    {%- endfor -%}
    {%- do nodes.update({uid: {
          'resource_type': 'model',
          'unique_id': uid,
          'package_name': node.package_name,
          'name': node.name,
          'version': node.version,
          'latest_version': node.latest_version,
          'database': node.database,
          'schema': node.schema,
          'alias': node.alias,
          'relation_name': node.relation_name,
          'config': {
            'materialized': node.config.materialized,
            'contract': node.config.contract,
            'on_schema_change': node.config.on_schema_change,
            'enabled': node.config.enabled,
            'meta': meta,
          },
          'description': node.description,
          'deprecation_date': (node.deprecation_date | string) if node.deprecation_date else none,
          'columns': columns,
          'constraints': node.constraints,
        }}) -%}
  {%- endfor -%}
  {%- for uid, node in graph.nodes.items()
        if node.resource_type == 'test' and node.test_metadata
           and node.attached_node and node.attached_node in nodes -%}
    {%- do nodes.update({uid: {
          'resource_type': 'test',
          'unique_id': uid,
          'name': node.name,
          'attached_node': node.attached_node,
          'column_name': node.column_name,
          'test_metadata': {
            'name': node.test_metadata.name,
            'namespace': node.test_metadata.namespace,
            'kwargs': node.test_metadata.kwargs,
          },
        }}) -%}
  {%- endfor -%}
  {#- the source tables models name (a foreign key's source() among
      them), for their relations: schema and identifier -#}
  {%- set named = [] -%}
  {%- for uid, node in graph.nodes.items() if node.resource_type == 'model' -%}
    {%- for pair in node.sources -%}
      {%- do named.append(pair[0] ~ '.' ~ pair[1]) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set sources = {} -%}
  {%- for uid, src in graph.sources.items()
        if (src.source_name ~ '.' ~ src.name) in named -%}
    {%- do sources.update({uid: {
          'resource_type': 'source',
          'source_name': src.source_name,
          'name': src.name,
          'schema': src.schema,
          'identifier': src.identifier,
        }}) -%}
  {%- endfor -%}
  {#- the seeds and snapshots models depend on (a foreign key's ref() of
      one among them), for their relations -#}
  {%- set needed = [] -%}
  {%- for uid, node in graph.nodes.items() if node.resource_type == 'model' -%}
    {%- do needed.extend(node.depends_on.nodes) -%}
  {%- endfor -%}
  {%- for uid, node in graph.nodes.items()
        if node.resource_type in ('seed', 'snapshot') and uid in needed -%}
    {%- do nodes.update({uid: {
          'resource_type': node.resource_type,
          'name': node.name,
          'schema': node.schema,
          'alias': node.alias,
        }}) -%}
  {%- endfor -%}
  {#- semantic models, for their entities (keys and relationships) -#}
  {%- set semantic_models = {} -%}
  {%- for uid, sm in (graph.semantic_models or {}).items() -%}
    {%- set entities = [] -%}
    {%- for e in sm.entities -%}
      {%- do entities.append({'name': e.name, 'type': e.type, 'expr': e.expr}) -%}
    {%- endfor -%}
    {%- do semantic_models.update({uid: {
          'name': sm.name,
          'model': sm.model,
          'entities': entities,
        }}) -%}
  {%- endfor -%}
  {%- set text = tojson({'nodes': nodes, 'sources': sources,
                         'semantic_models': semantic_models}) -%}
  {#- Python's json writes an infinite or NaN argument (YAML .inf, .nan) as
      a bare Infinity / NaN, which is no JSON to PostgreSQL: only then, the
      test arguments are rewritten with the strings the loader uses. -#}
  {%- if text is not none and ('Infinity' in text or 'NaN' in text) -%}
    {%- for uid, n in nodes.items() if n.resource_type == 'test' -%}
      {%- do n.test_metadata.update({'kwargs': dbt_contract.json_finite(n.test_metadata.kwargs)}) -%}
    {%- endfor -%}
    {%- set text = tojson({'nodes': nodes, 'sources': sources,
                         'semantic_models': semantic_models}) -%}
  {%- endif -%}
  {%- if text is none -%}
    {{ exceptions.raise_compiler_error('dbt_contract: the contracts of this run could not be serialized as JSON') }}
  {%- endif -%}
  {{- return(text) -}}
{%- endmacro %}


{#- `value` with every infinite or NaN number replaced by the string
    "Infinity", "-Infinity" or "NaN", as dbt_contract stores them. -#}
{% macro json_finite(value) -%}
  {%- if value is mapping -%}
    {%- set out = {} -%}
    {%- for k, v in value.items() -%}
      {%- do out.update({k: dbt_contract.json_finite(v)}) -%}
    {%- endfor -%}
    {{- return(out) -}}
  {%- elif value is iterable and value is not string -%}
    {%- set out = [] -%}
    {%- for v in value -%}
      {%- do out.append(dbt_contract.json_finite(v)) -%}
    {%- endfor -%}
    {{- return(out) -}}
  {%- elif value is number and value != value -%}
    {{- return('NaN') -}}
  {%- elif value is number and (value | string) in ['inf', '-inf'] -%}
    {{- return('-Infinity' if value < 0 else 'Infinity') -}}
  {%- endif -%}
  {{- return(value) -}}
{%- endmacro %}


{#- A dollar-quote delimiter that does not occur in `text`: one of
    $dbt_contract_0$ .. $dbt_contract_<c>$, where c counts the occurrences
    of "$dbt_contract_" in text, is free (usually the first). -#}
{% macro dollar_quote_tag(text) -%}
  {%- set prefix = '$dbt_contract_' -%}
  {%- set ns = namespace(tag=none) -%}
  {%- for i in range(text.count(prefix) + 1)
        if ns.tag is none and (prefix ~ i ~ '$') not in text -%}
    {%- set ns.tag = prefix ~ i ~ '$' -%}
  {%- endfor -%}
  {%- if ns.tag is none -%}
    {{ exceptions.raise_compiler_error('dbt_contract: no dollar-quote tag is free in the contracts JSON') }}
  {%- endif -%}
  {{- return(ns.tag) -}}
{%- endmacro %}
