-- No contract: the database does not check this view.
select
    id              as payment_id,
    order_id,
    payment_method,
    amount_cents / 100.0 as amount
from {{ ref('raw_payments') }}
