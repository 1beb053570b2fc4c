-- Blocking problems still open (quarantined with no later accepted replacement).
select
    coalesce(original_name, batch_id) as file_name,
    province_code,
    period,
    reasons
from quality.quality_open_problems
order by loaded_at
