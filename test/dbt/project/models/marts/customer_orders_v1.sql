select
    c.customer_id,
    count(o.order_id)::integer           as order_count,
    min(o.ordered_at)                    as first_order_on,
    coalesce(sum(p.amount), 0)::numeric(12, 2) as lifetime_value
from {{ ref('dim_customers') }} c
left join {{ ref('fct_orders') }} o on o.customer_id = c.customer_id
left join {{ ref('fct_payments') }} p on p.order_id = o.order_id
group by c.customer_id
