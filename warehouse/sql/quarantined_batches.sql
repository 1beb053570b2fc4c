-- Every quarantined batch with its reasons, in load order.
select
    coalesce(original_name, batch_id) as file_name,
    reasons
from quality.batch_status
where status = 'quarantined'
order by loaded_at, original_name
