select status::text, is_final::boolean, sort_order::smallint
from (values
    ('placed', false, 1),
    ('shipped', false, 2),
    ('completed', true, 3),
    ('returned', true, 4)
) as s (status, is_final, sort_order)
