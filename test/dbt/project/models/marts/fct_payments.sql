-- The foreign key to fct_orders is declared in the legacy form (an
-- expression pasted after REFERENCES), which carries no dependency:
-- depends_on: {{ ref('fct_orders') }}
select
    payment_id::bigint           as payment_id,
    order_id::integer            as order_id,
    payment_method::text         as payment_method,
    amount::numeric(12, 2)       as amount,
    now()                        as recorded_at
from {{ ref('stg_payments') }}
