-- Incremental, on_schema_change: fail.
select
    order_id::integer               as event_id,
    order_id::integer               as order_id,
    status::text                    as status,
    ordered_at::timestamp           as happened_at
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_id > (select coalesce(max(event_id), 0) from {{ this }})
{% endif %}
