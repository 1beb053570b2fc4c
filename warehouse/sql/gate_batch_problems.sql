-- What the reader found wrong in one batch ($1 = batch_id), blocking or not.
select
    check_name,
    source_sheet,
    source_row,
    reason,
    is_blocking
from raw.batch_problems
where batch_id = $1
order by source_row nulls first
