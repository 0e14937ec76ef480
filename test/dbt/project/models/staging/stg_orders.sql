select
    id::integer          as order_id,
    customer_id::integer as customer_id,
    order_date::date     as ordered_at,
    status::text         as status
from {{ ref('raw_orders') }}
