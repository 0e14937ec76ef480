-- Incremental, on_schema_change: append_new_columns, delete+insert by day.
select
    o.ordered_at                              as revenue_date,
    count(distinct o.order_id)::integer       as order_count,
    coalesce(sum(p.amount), 0)::numeric(14, 2) as revenue
from {{ ref('fct_orders') }} o
left join {{ ref('fct_payments') }} p on p.order_id = o.order_id
group by o.ordered_at
