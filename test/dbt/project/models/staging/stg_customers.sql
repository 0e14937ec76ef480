select
    id::integer          as customer_id,
    first_name::text     as first_name,
    last_name::text      as last_name,
    lower(email)::text   as email,
    region_code::char(3) as region_code
from {{ ref('raw_customers') }}
