-- The 34 provinces since 1 July 2025: code and name.
select
    province_code,
    province_name
from marts.dim_province
where is_current
order by province_code
