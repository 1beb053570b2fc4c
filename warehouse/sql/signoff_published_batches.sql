-- The batches whose figures the marts publish for one province ($1: 2025 code) × period ($2):
-- one per reporting unit (a 2025 province reports, before the reform, as several old ones).
select distinct
    batch_id,
    admin_era,
    province_code_as_reported
from marts.fct_capital_progress
where province_code = $1 and period = $2
order by admin_era, province_code_as_reported, batch_id
