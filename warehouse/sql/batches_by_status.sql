-- How many batches the gate accepted and quarantined.
select
    status,
    count(*) as batch_count
from quality.batch_status
group by status
