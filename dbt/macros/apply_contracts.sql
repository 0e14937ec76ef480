{#-
  dbt_contract.apply_contracts(source=none, allow_breaking=false, targets=none)

  Used as an on-run-start hook:

      on-run-start: "{{ dbt_contract.apply_contracts() }}"

  it sends this run's contracts to the extension for the run's own target
  (target.schema) and renders no SQL of its own, so nothing of the payload
  lands in target/ or run_results.json.  The payload is {"nodes": {...}}
  built from the run's `graph` (every model node, versions included, with
  its relation, config, columns and constraints as dbt parsed them, and
  every generic test attached to one; the sources, seeds and snapshots
  models depend on, so that a foreign key to one is stored as the relation
  it compiles to; the semantic models' entities and the models'
  meta.primary_key / meta.joins, keys BI tools read), plus
  metadata.dbt_contract_checksum, an md5 of when dbt parsed each node
  (parse_fingerprint).  The hook reads the stored one back from
  dbt_contract.sources: when it is the one last applied for the target,
  dbt parsed nothing since, and nothing is built or sent.  Otherwise it
  hashes the models dbt parsed again (their created_at stamps differ from
  the stored ones), and only those whose md5 differs from the one stored
  (sources.model_checksums) are sent, with their neighbours, as a delta
  apply: metadata.dbt_contract_keep names the others, which keep their
  stored contracts (see changed_models).

  Which baseline a change is judged against:

    production (the target schema named by var dbt_contract_prod_target,
    or every target when that var is not set): dbt's rule against what
    production applied last.  A breaking change to a versioned model fails
    the hook and nothing is applied; to an unversioned model it is a dbt
    warning (an error under --warn-error).  The production target's owner
    accepts a change deliberately with allow_breaking=true or
    --vars '{dbt_contract_allow_breaking: true}' (recorded in
    dbt_contract.history).

    any other target (a developer's, a pull request's): its own last apply
    came from whatever branch ran last, so it is no baseline and never
    blocks the next run.  Its contracts are compared with production's
    instead (dbt_contract_diff_targets), and each breaking change is a dbt
    warning, whenever the target's contracts change.

  Every warning goes through exceptions.warn (dbt's output, logs/dbt.log);
  under --warn-error it is raised at once as an error, before the hook's
  commit, so nothing is applied.  Every error the extension raises fails
  the hook.

  Arguments:
    source          the source name the contracts are kept under
                    (default 'dbt:<project_name>')
    allow_breaking  accept breaking changes of versioned models
    targets         a list of target names the hook applies contracts for
                    (default: every target, each for itself); an opt-out,
                    e.g. ['prod', 'ci'] leaves dev runs unchecked

  Variables:
    dbt_contract_enabled        (default true)  false: the hook does nothing
    dbt_contract_schema         (default none)  schema of the extension's
                                                functions when it is not on
                                                the search_path
    dbt_contract_prod_target    (default none)  production's target schema
    dbt_contract_allow_breaking (default false) as allow_breaking, for one run
-#}
{% macro apply_contracts(source=none, allow_breaking=false, targets=none) -%}
  {%- if execute and var('dbt_contract_enabled', true)
        and (targets is none or target.name in targets) -%}
    {%- do dbt_contract.sync_contracts(source, allow_breaking, false) -%}
  {%- endif -%}
  {{- return('') -}}
{%- endmacro %}


{#-
  dbt_contract.apply(source=none, allow_breaking=false): the full sync as an
  operation, sent whatever the stored checksum says, printing what changed:

      dbt run-operation dbt_contract.apply --target prod
-#}
{% macro apply(source=none, allow_breaking=false) -%}
  {%- set result = dbt_contract.sync_contracts(source, allow_breaking, true) -%}
  {%- for row in result.rows -%}
    {%- do log('dbt_contract: ' ~ row['action'] ~ ' ' ~ row['model']
               ~ (' v' ~ row['version'] if row['version'] is not none else '')
               ~ ' -> ' ~ row['relation'], info=true) -%}
  {%- endfor -%}
{%- endmacro %}


{#-
  dbt_contract.diff_production(base=none): the operation behind a CI job's
  check, what this target's contracts break against production's:

      dbt run-operation dbt_contract.diff_production --target ci
-#}
{% macro diff_production(base=none) -%}
  {%- set prod = base if base is not none else var('dbt_contract_prod_target', none) -%}
  {%- if prod is none -%}
    {{ exceptions.raise_compiler_error("dbt_contract: name production's target schema with base= or var dbt_contract_prod_target") }}
  {%- endif -%}
  {%- set changes = dbt_contract.report_production_diff(prod) -%}
  {%- do dbt_contract.commit() -%}
  {%- do log('dbt_contract: ' ~ changes ~ ' breaking change(s) of target ' ~ target.schema
             ~ ' against ' ~ prod, info=true) -%}
{%- endmacro %}


{#- A dbt warning.  Under --warn-error it is raised here, as an error, so
    that it stops the hook before its commit whatever the dbt version does
    with a warning (1.11 turns it into an error only later, after the
    statements that follow have run). -#}
{% macro warn(msg) -%}
  {%- if flags.WARN_ERROR -%}
    {{ exceptions.raise_compiler_error(msg) }}
  {%- endif -%}
  {%- do exceptions.warn(msg) -%}
{%- endmacro %}


{#- A qualified name of one of the extension's functions. -#}
{% macro fn(name) -%}
  {%- set fn_schema = var('dbt_contract_schema', none) -%}
  {{- return((adapter.quote(fn_schema) ~ '.' if fn_schema else '') ~ name) -}}
{%- endmacro %}


{#- A SQL string literal, read alike whatever standard_conforming_strings
    says: an escape string with its backslashes and quotes doubled. -#}
{% macro literal(text) -%}
  {{- return("E'" ~ (text | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") -}}
{%- endmacro %}


{#- Commit what the statements above did, unless they ran inside a model's
    own transaction (the macro used as a model pre-hook), which dbt
    commits with the model. -#}
{% macro commit() -%}
  {%- if not (model is defined and model.resource_type in ['model', 'seed', 'snapshot']) -%}
    {%- do adapter.commit() -%}
  {%- endif -%}
{%- endmacro %}


{#- Run one statement inside dbt's transaction bookkeeping; its rows. -#}
{% macro query(sql) -%}
  {%- call statement('dbt_contract_query', fetch_result=true, auto_begin=true) -%}
    {{ sql }}
  {%- endcall -%}
  {{- return(load_result('dbt_contract_query').table) -}}
{%- endmacro %}


{#-
  The work of the hook and of the operation: send the contracts unless the
  stored fingerprint says they are already there (force: send anyway),
  then report.  Returns the apply's rows (none when nothing was sent).
  Kept small: dbt compiles a macro when it is first called in a run, and
  a run that changes no contract compiles only this one and
  parse_fingerprint.
-#}
{% macro sync_contracts(source=none, allow_breaking=false, force=false) -%}
  {%- set src = source if source is not none else 'dbt:' ~ project_name -%}
  {%- set where = ' from dbt_contract.sources where source = ' ~ dbt_contract.literal(src)
                  ~ ' and target = ' ~ dbt_contract.literal(target.schema) -%}
  {#- 1. When dbt parsed each node, against the stored fingerprint: the
      same means dbt parsed nothing again since the last apply, and a run
      that changes no contract costs this and one small query. -#}
  {%- set parsed = dbt_contract.parse_fingerprint() -%}
  {%- if not force and parsed is not none -%}
    {%- set rows = dbt_contract.query('select checksum' ~ where).rows -%}
    {%- if rows | length == 1 and rows[0][0] == parsed -%}
      {%- do dbt_contract.commit() -%}
      {{- return(none) -}}
    {%- endif -%}
  {%- endif -%}
  {{- return(dbt_contract.sync_changed(src, where, parsed, allow_breaking, force)) -}}
{%- endmacro %}


{#- The rest of sync_contracts, when dbt parsed something again (or force). -#}
{% macro sync_changed(src, where, parsed, allow_breaking, force) -%}
  {%- set prod = var('dbt_contract_prod_target', none) -%}
  {%- set is_prod = prod is none or prod == target.schema -%}
  {%- set accept = allow_breaking or var('dbt_contract_allow_breaking', false) in [true, 'true', 'True', 1] -%}
  {%- set stored = none -%}
  {%- if not force -%}
    {%- set rows = dbt_contract.query('select model_checksums::text' ~ where).rows -%}
    {%- if rows | length == 1 and rows[0][0] is not none -%}
      {%- set stored = fromjson(rows[0][0]) -%}
    {%- endif -%}
  {%- endif -%}

  {#- 2. Which models changed: the md5s of the models dbt re-parsed,
      against the stored ones.  Only those are sent (a delta apply), the
      others kept as stored; the full sync (force) and a first run send
      everything. -#}
  {%- set g = dbt_contract.graph_parts() -%}
  {%- set plan = dbt_contract.changed_models(g, stored) -%}
  {#- A dev or CI target's own last apply is no baseline: it goes through,
      and production's contracts are what it is compared with below. -#}
  {%- set result = dbt_contract.send(g, src, plan, parsed, accept or not is_prod) -%}
  {%- if not plan.changed -%}
    {#- dbt parsed again but no contract changed: the delta only stored
        the new fingerprints, and there is nothing to report -#}
    {%- do dbt_contract.commit() -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- if is_prod -%}
    {#- What went through of the breaking changes: warnings (unversioned
        models) or accepted ones; the versioned ones failed the query. -#}
    {%- set hist = dbt_contract.query(
          'select c.change, h.allow_breaking from dbt_contract.history h,'
          ~ ' unnest(h.breaking_accepted) with ordinality c(change, n)'
          ~ ' where h.apply_id = (select max(apply_id) from dbt_contract.history where source = '
          ~ dbt_contract.literal(src) ~ ' and target = ' ~ dbt_contract.literal(target.schema)
          ~ ') order by c.n') -%}
    {%- for row in hist.rows -%}
      {%- do dbt_contract.warn('dbt_contract: breaking change ' ~ ('accepted' if row[1] else 'to an unversioned model')
                             ~ ' for target ' ~ target.schema ~ ': ' ~ row[0]) -%}
    {%- endfor -%}
  {%- else -%}
    {%- do dbt_contract.report_production_diff(prod) -%}
  {%- endif -%}
  {#- Only now: under --warn-error a warning above ends the run with the
      transaction open, and so nothing of this apply is kept. -#}
  {%- do dbt_contract.commit() -%}
  {{- return(result) -}}
{%- endmacro %}


{#- Send the payload `plan` (changed_models) describes to
    dbt_contract_apply_manifest for the run's target; the apply's rows.
    With nothing changed it is a delta that sends no model and keeps them
    all, which stores the new fingerprints (and no history). -#}
{% macro send(g, src, plan, parsed, allow_breaking) -%}
  {%- set body = dbt_contract.nodes_json(dbt_contract.contracts_nodes(g, plan.send)) -%}
  {%- if body is none -%}
    {{ exceptions.raise_compiler_error('dbt_contract: the contracts of this run could not be serialized as JSON') }}
  {%- endif -%}
  {%- set extras = tojson(dbt_contract.contracts_extras(g), sort_keys=true) -%}
  {%- set meta = {'dbt_contract_checksum': parsed or local_md5(body ~ extras)} -%}
  {%- if plan.sums is not none -%}
    {%- do meta.update({'dbt_contract_model_checksums': plan.sums}) -%}
  {%- endif -%}
  {%- if plan.send is not none -%}
    {%- set kept = g.get('model', []) | rejectattr('unique_id', 'in', plan.send) | list -%}
    {%- set keep = zip(kept | map(attribute='name'), kept | map(attribute='version')) | list -%}
    {%- do meta.update({'dbt_contract_keep': keep}) -%}
  {%- endif -%}
  {%- set text = '{"metadata": ' ~ tojson(meta, sort_keys=true) ~ ', "nodes": ' ~ body
                 ~ ', ' ~ extras[1:] -%}
  {%- set tag = dbt_contract.dollar_quote_tag(text) -%}
  {{- return(dbt_contract.query(
        'select * from ' ~ dbt_contract.fn('dbt_contract_apply_manifest') ~ '('
        ~ tag ~ text ~ tag ~ '::jsonb, ' ~ dbt_contract.literal(src) ~ ', '
        ~ ('true' if allow_breaking else 'false') ~ ', '
        ~ dbt_contract.literal(target.schema) ~ ')')) -}}
{%- endmacro %}


{#- Warn about each breaking change of this target against `prod`; the
    number of them.  Nothing when production has no contracts. -#}
{% macro report_production_diff(prod) -%}
  {%- set rows = dbt_contract.query(
        'select model, version, change, detail from ' ~ dbt_contract.fn('dbt_contract_diff_targets')
        ~ '(' ~ dbt_contract.literal(prod) ~ ', ' ~ dbt_contract.literal(target.schema) ~ ') d'
        ~ ' where breaking and exists (select 1 from dbt_contract.models m where m.target = '
        ~ dbt_contract.literal(prod) ~ ') order by 1, 2') -%}
  {%- for row in rows.rows -%}
    {%- do dbt_contract.warn('dbt_contract: target ' ~ target.schema ~ ' would break production (' ~ prod ~ ') for model '
                           ~ row[0] ~ (' v' ~ row[1] if row[1] is not none else '')
                           ~ ': ' ~ row[2] ~ ': ' ~ row[3]) -%}
  {%- endfor -%}
  {{- return(rows.rows | length) -}}
{%- endmacro %}


{#- When dbt parsed each node, source and semantic model, as one md5 (none
    when it cannot be serialized).  dbt creates a node anew whenever it
    parses it again (a changed file, YAML entry, doc block, var or
    target), and keeps created_at for one it takes from its partial-parse
    state unchanged: the same md5 as at the last apply means nothing the
    payload is built from was parsed since.  The payload's shape version
    and dbt's are part of it, so a new package or dbt sends again. -#}
{% macro parse_fingerprint() -%}
  {%- set semantic = graph.semantic_models or {} -%}
  {%- set text = tojson(['dbt_contract payload 2', dbt_version,
        graph.nodes.keys() | list, graph.nodes.values() | map(attribute='created_at') | list,
        graph.sources.keys() | list,
        graph.sources.values() | map(attribute='created_at', default='') | list,
        semantic.keys() | list, semantic.values() | map(attribute='created_at', default='') | list]) -%}
  {{- return(local_md5(text) if text is not none else none) -}}
{%- endmacro %}


{#- What the payload reads beyond the models and their tests: the seeds'
    and snapshots' relations, the source tables, the semantic models. -#}
{% macro contracts_globals(g) -%}
  {%- set parts = [] -%}
  {%- set relations = (g.get('seed', []) + g.get('snapshot', [])) | sort(attribute='unique_id') -%}
  {%- for attr in ['unique_id', 'name', 'schema', 'alias'] -%}
    {%- do parts.append(relations | map(attribute=attr) | list) -%}
  {%- endfor -%}
  {%- set sources = graph.sources.values() | sort(attribute='unique_id') -%}
  {%- for attr in ['unique_id', 'source_name', 'name', 'schema', 'identifier'] -%}
    {%- do parts.append(sources | map(attribute=attr) | list) -%}
  {%- endfor -%}
  {%- set semantic = (graph.semantic_models or {}).values() | sort(attribute='unique_id') -%}
  {%- for attr in ['unique_id', 'name', 'model', 'entities'] -%}
    {%- do parts.append(semantic | map(attribute=attr) | list) -%}
  {%- endfor -%}
  {{- return(parts) -}}
{%- endmacro %}


{#- The graph's nodes by resource_type ({'model': [...], 'test': [...],
    ...}, each in the graph's order): one pass over graph.nodes, which the
    macros below share (every pass over it costs as much as the rest). -#}
{% macro graph_parts() -%}
  {{- return(dict(graph.nodes.values() | groupby('resource_type'))) -}}
{%- endmacro %}


{#- {unique_id: md5} of each model of `only` (a list of unique_ids; every
    model when none): what contracts_nodes() reads of it and of its tests;
    and under the key 'dbt_contract:globals' the md5 of
    contracts_globals(); none when something cannot be serialized.  The
    texts come from zip, groupby and map (Python's speed); only the md5s
    are taken in a Jinja loop (modules.itertools is deprecated in dbt
    1.11). -#}
{% macro model_checksums(g, only=none) -%}
  {%- set models = g.get('model', []) -%}
  {%- set tests = g.get('test', []) -%}
  {%- if only is not none -%}
    {%- set models = [] -%}
    {%- for uid in only -%}
      {%- do models.append(graph.nodes[uid]) -%}
    {%- endfor -%}
    {%- set tests = tests | selectattr('attached_node', 'in', dict(zip(only, only))) -%}
  {%- endif -%}
  {%- set uids = models | map(attribute='unique_id') | list -%}
  {%- set tests = tests | selectattr('attached_node') | sort(attribute='unique_id') | list -%}
  {%- set groups = zip(tests | map(attribute='attached_node'),
                       tests | map(attribute='unique_id'), tests | map(attribute='name'),
                       tests | map(attribute='column_name'),
                       tests | map(attribute='test_metadata')) | groupby('0') -%}
  {%- set tests_text = dict(zip(groups | map(attribute='grouper'),
                                groups | map(attribute='list') | map('tojson'))) -%}
  {%- set parts = [] -%}
  {%- for attr in ['package_name', 'name', 'version', 'latest_version', 'database', 'schema',
                   'alias', 'relation_name', 'config.materialized', 'config.contract',
                   'config.on_schema_change', 'config.enabled', 'config.persist_docs',
                   'config.meta', 'description', 'deprecation_date', 'columns', 'constraints',
                   'sources', 'depends_on.nodes'] -%}
    {%- do parts.append(models | map(attribute=attr) | list) -%}
  {%- endfor -%}
  {#- dbt 1.12's latest_version_pointer; earlier configs lack it -#}
  {%- do parts.append(models | map(attribute='config.latest_version_pointer', default='') | list) -%}
  {%- set texts = zip(*parts) | map('tojson') | list -%}
  {%- set globals_text = tojson(dbt_contract.contracts_globals(g), sort_keys=true) -%}
  {%- if globals_text is none -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set sums = {'dbt_contract:globals': local_md5(globals_text)} -%}
  {%- for uid, text in zip(uids, texts) -%}
    {%- do sums.update({uid: local_md5(text ~ tests_text.get(uid, ''))}) -%}
  {%- endfor -%}
  {{- return(sums) -}}
{%- endmacro %}


{#- The plan of a full sync: send every model, store every md5 (with
    `marks`, when dbt parsed what). -#}
{% macro full_sync(g, marks) -%}
  {%- set sums = dbt_contract.model_checksums(g) -%}
  {%- if sums is not none -%}
    {%- do sums.update(marks) -%}
  {%- endif -%}
  {{- return({'send': none, 'sums': sums, 'changed': true}) -}}
{%- endmacro %}


{#-
  Which models to send, against `stored` (the model_checksums the last
  apply stored, or none): {'send': none, ...} for all of them (the first
  run, the full sync, another kind of apply before, or a seed, snapshot,
  source table or semantic model the payload reads changed), or
  {'send': {unique_id: true}, ...}; 'sums' is what to store now and
  'changed' whether anything is to be applied (a delta of removals only
  sends no model).

  Only the models dbt parsed again since the last apply are hashed: those
  whose created_at is not the stored one ('dbt_contract:stamps'), and
  those with a test parsed after the newest node the last apply saw
  ('dbt_contract:parsed_at'; dbt parses a model's tests with it, so this
  is a safeguard).  The others are what the last apply stored.  The
  changed, added and removed models are then widened to what a full
  apply would work out differently for them: the models a changed one
  depends on (a foreign key resolves against them), and, when a versioned
  model changed or a model was removed, the models that depend on one of
  those (a foreign key to a model's latest version resolves against its
  versions).
-#}
{% macro changed_models(g, stored) -%}
  {%- set models = g.get('model', []) -%}
  {%- set tests = g.get('test', []) -%}
  {%- set stamps = dict(zip(models | map(attribute='unique_id'), models | map(attribute='created_at'))) -%}
  {%- set newest = (models + tests) | map(attribute='created_at') | max if (models or tests) else 0 -%}
  {%- set marks = {'dbt_contract:stamps': stamps, 'dbt_contract:parsed_at': newest} -%}
  {%- set old_stamps = stored.get('dbt_contract:stamps') if stored is mapping else none -%}
  {%- set parsed_at = stored.get('dbt_contract:parsed_at') if stored is mapping else none -%}
  {%- if old_stamps is not mapping or parsed_at is not number -%}
    {{- return(dbt_contract.full_sync(g, marks)) -}}
  {%- endif -%}
  {%- set again = {} -%}
  {%- for uid, at in stamps.items() if uid not in stored or old_stamps.get(uid) != at -%}
    {%- do again.update({uid: true}) -%}
  {%- endfor -%}
  {%- if newest > parsed_at -%}
    {%- for uid in tests | selectattr('created_at', 'gt', parsed_at)
                  | map(attribute='attached_node') if uid in stamps -%}
      {%- do again.update({uid: true}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set recheck = again.keys() | list -%}
  {%- set fresh = dbt_contract.model_checksums(g, recheck) -%}
  {%- if fresh is none or fresh['dbt_contract:globals'] != stored.get('dbt_contract:globals') -%}
    {{- return(dbt_contract.full_sync(g, marks)) -}}
  {%- endif -%}
  {%- set differ = [] -%}
  {%- for uid in recheck if fresh[uid] != stored.get(uid) -%}
    {%- do differ.append(uid) -%}
  {%- endfor -%}
  {%- set sums = dict(stored) -%}
  {%- do sums.update(fresh) -%}
  {%- for uid in stored.keys() | list
        if uid not in stamps and not uid.startswith('dbt_contract:') -%}
    {#- removed from the project -#}
    {%- do differ.append(uid) -%}
    {%- do sums.pop(uid) -%}
  {%- endfor -%}
  {%- do sums.update(marks) -%}
  {%- set send = {} -%}
  {%- set ns = namespace(versions=false) -%}
  {%- set versioned = [] -%}
  {%- for uid in differ -%}
    {%- do send.update({uid: true}) -%}
    {%- set n = graph.nodes.get(uid) -%}
    {%- if n is none or n.version is not none or n.latest_version is not none -%}
      {%- set ns.versions = true -%}
      {%- do versioned.append(n.name if n is not none else uid) -%}
    {%- endif -%}
    {%- for dep in (n.depends_on.nodes if n is not none else []) if dep in stamps -%}
      {%- do send.update({dep: true}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if ns.versions -%}
    {#- and every version of a changed versioned model: which one is the
        latest is worked out over them all -#}
    {%- for n in models -%}
      {%- if n.name in versioned -%}
        {%- do send.update({n.unique_id: true}) -%}
      {%- endif -%}
      {%- for dep in n.depends_on.nodes if dep in differ -%}
        {%- do send.update({n.unique_id: true}) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {#- a removed model is not sent: it is neither sent nor kept -#}
  {%- for uid in differ if uid not in stamps -%}
    {%- do send.pop(uid) -%}
  {%- endfor -%}
  {{- return({'send': send, 'sums': sums, 'changed': differ | length > 0}) -}}
{%- endmacro %}


{#- The compact manifest's nodes: {unique_id: node}; of the models only
    those in `only` when given (and their tests). -#}
{% macro contracts_nodes(g, only=none) -%}
  {%- set nodes = {} -%}
  {%- set uids = (g.get('model', []) | map(attribute='unique_id') | list)
                 if only is none else only.keys() | list -%}
  {%- for uid in uids -%}
    {%- set node = graph.nodes[uid] -%}
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
            'persist_docs': node.config.persist_docs,
            'meta': meta,
            'latest_version_pointer': node.config.get('latest_version_pointer'),
          },
          'description': node.description,
          'deprecation_date': (node.deprecation_date | string) if node.deprecation_date else none,
          'columns': columns,
          'constraints': node.constraints,
        }}) -%}
  {%- endfor -%}
  {%- set tests = g.get('test', []) | selectattr('attached_node', 'in', nodes)
                  | selectattr('test_metadata') | list -%}
  {%- for node in tests -%}
    {%- set uid = node.unique_id -%}
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
  {#- the seeds and snapshots models depend on (a foreign key's ref() of
      one among them), for their relations -#}
  {%- set needed = [] -%}
  {%- for uid in uids -%}
    {%- do needed.extend(graph.nodes[uid].depends_on.nodes) -%}
  {%- endfor -%}
  {%- set needed = dict(zip(needed, needed)) -%}
  {%- for node in (g.get('seed', []) + g.get('snapshot', [])) | selectattr('unique_id', 'in', needed) -%}
    {%- set uid = node.unique_id -%}
    {%- do nodes.update({uid: {
          'resource_type': node.resource_type,
          'name': node.name,
          'schema': node.schema,
          'alias': node.alias,
        }}) -%}
  {%- endfor -%}
  {{- return(nodes) -}}
{%- endmacro %}


{#- The rest of the payload: the source tables models name (a foreign
    key's source() among them) and the semantic models' entities, as
    {"sources": {...}, "semantic_models": {...}}. -#}
{% macro contracts_extras(g) -%}
  {#- the source tables models name (a foreign key's source() among
      them), for their relations: schema and identifier -#}
  {%- set named = g.get('model', []) | map(attribute='sources') | sum(start=[])
                  | map('join', '.') | list -%}
  {%- set named = dict(zip(named, named)) -%}
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
  {{- return({'sources': sources, 'semantic_models': semantic_models}) -}}
{%- endmacro %}


{#- `nodes` as JSON text (keys sorted), or none.  Python's json writes an
    infinite or NaN argument (YAML .inf, .nan) as a bare Infinity / NaN,
    which is no JSON to PostgreSQL: only then, the test arguments are
    rewritten with the strings the loader uses. -#}
{% macro nodes_json(nodes) -%}
  {%- set text = tojson(nodes, sort_keys=true) -%}
  {%- if text is not none and ('Infinity' in text or 'NaN' in text) -%}
    {%- for uid, n in nodes.items() if n.resource_type == 'test' -%}
      {%- do n.test_metadata.update({'kwargs': dbt_contract.json_finite(n.test_metadata.kwargs)}) -%}
    {%- endfor -%}
    {%- set text = tojson(nodes, sort_keys=true) -%}
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


{#- The compact manifest, {"nodes": {...}}, as one JSON string. -#}
{% macro contracts_json() -%}
  {%- set body = dbt_contract.nodes_json(dbt_contract.contracts_nodes(dbt_contract.graph_parts())) -%}
  {%- set text = '{"nodes": ' ~ body ~ '}' if body is not none else none -%}
  {%- if text is none -%}
    {{ exceptions.raise_compiler_error('dbt_contract: the contracts of this run could not be serialized as JSON') }}
  {%- endif -%}
  {{- return(text) -}}
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


{#-
  dbt_contract.report_violations(): an on-run-end hook,

      on-run-end: "{{ dbt_contract.report_violations() }}"

  that turns what the database found wrong with this target's built
  relations into dbt warnings (an error under --warn-error): above all the
  foreign keys a DROP ... CASCADE took from models that were not rebuilt
  (dbt drops <model>__dbt_backup with CASCADE), which the extension can
  only report as a server WARNING dbt does not show.  It checks what this
  invocation built and the models with a foreign key to it (all of the
  target's relations when it built more than 200, or without `results`);
  relations not built yet are not reported.
-#}
{% macro report_violations(results=none) -%}
  {%- if execute and var('dbt_contract_enabled', true) -%}
    {%- set built = [] -%}
    {%- for r in (results or []) if r.node.resource_type in ['model', 'seed', 'snapshot']
                                    and r.status in ['success', 'pass'] -%}
      {%- do built.append('(' ~ dbt_contract.literal(r.node.schema) ~ ', '
                          ~ dbt_contract.literal(r.node.alias or r.node.name) ~ ')') -%}
    {%- endfor -%}
    {%- set t = dbt_contract.literal(target.schema) -%}
    {%- if results is none or built | length > 200 -%}
      {%- set sql = 'select relation, object, problem, have, want from '
            ~ dbt_contract.fn('dbt_contract_verify') ~ '(' ~ t ~ ')'
            ~ " where problem <> 'relation missing' order by 1, 2, 3" -%}
    {%- elif built -%}
      {#- What was built, and the models with a foreign key to it (a
          rebuild drops the old relation with CASCADE, taking their keys). -#}
      {%- set sql = 'with built(s, n) as (values ' ~ built | join(', ') ~ '),'
            ~ ' mine as (select * from dbt_contract.models where target = ' ~ t ~ '),'
            ~ ' rel as (select m.relation_schema s, m.relation_name n from mine m join built b'
            ~ '           on (m.relation_schema, m.relation_name) = (b.s, b.n)'
            ~ '         union select c.relation_schema, c.relation_name'
            ~ '           from dbt_contract.constraints k'
            ~ '           join mine c on c.model = k.model and c.version is not distinct from k.version'
            ~ '           join mine p on p.model = k.to_model'
            ~ '           join built b on (p.relation_schema, p.relation_name) = (b.s, b.n)'
            ~ "          where k.target = " ~ t ~ " and k.constraint_type = 'foreign_key')"
            ~ ' select v.relation, v.object, v.problem, v.have, v.want from rel,'
            ~ ' lateral ' ~ dbt_contract.fn('dbt_contract_check')
            ~ '(to_regclass(quote_ident(rel.s) || \'.\' || quote_ident(rel.n))) v'
            ~ ' order by 1, 2, 3' -%}
    {%- else -%}
      {{- return('') -}}
    {%- endif -%}
    {%- set rows = dbt_contract.query(sql) -%}
    {%- do dbt_contract.commit() -%}
    {%- for row in rows.rows -%}
      {%- do dbt_contract.warn('dbt_contract: relation ' ~ row[0] ~ ' does not match its contract: '
                             ~ row[1] ~ ': ' ~ row[2] ~ ' (have ' ~ (row[3] or 'none')
                             ~ ', want ' ~ (row[4] or 'none') ~ ')') -%}
    {%- endfor -%}
  {%- endif -%}
  {{- return('') -}}
{%- endmacro %}
