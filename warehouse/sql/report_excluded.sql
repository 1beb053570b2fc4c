-- Quarantined batches, for the report's list of what was left out.
select
    original_name,
    dataset,
    reasons,
    loaded_at
from quality.batch_status
where status = 'quarantined'
order by loaded_at, original_name
