-- Custom schema (geo) and an alias: the relation is <target>_geo.regions.
select
    region_code::char(3) as region_code,
    region_name::text    as region_name
from {{ ref('raw_regions') }}
