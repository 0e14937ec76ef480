select
    status,
    count(*)::integer as orders
from {{ ref('fct_orders') }}
group by status
