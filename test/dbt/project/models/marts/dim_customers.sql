select
    customer_id,
    (first_name || ' ' || last_name)::text as "Customer Name",
    email::varchar(200)                    as email,
    region_code,
    now()                                  as loaded_at
from {{ ref('stg_customers') }}
