-- v2 drops lifetime_value and adds last_order_on.
select
    c.customer_id,
    count(o.order_id)::integer as order_count,
    min(o.ordered_at)          as first_order_on,
    max(o.ordered_at)          as last_order_on
from {{ ref('dim_customers') }} c
left join {{ ref('fct_orders') }} o on o.customer_id = c.customer_id
group by c.customer_id
