-- Caveats that hold now: quarantined or held submissions not superseded, with the last accepted
-- period used instead (quality_report_caveats).
select
    original_name,
    status,
    reasons,
    province_code,
    province_name,
    period,
    last_accepted_period,
    loaded_at
from quality.quality_report_caveats
order by loaded_at, original_name
