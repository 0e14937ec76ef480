select
    c.customer_id,
    c."Customer Name",
    r.region_name,
    count(o.order_id) as order_count
from {{ ref('dim_customers') }} c
join {{ ref('dim_regions') }} r on r.region_code = c.region_code
left join {{ ref('fct_orders') }} o on o.customer_id = c.customer_id
group by 1, 2, 3
