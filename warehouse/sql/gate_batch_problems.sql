-- What the reader found wrong in one batch ($1 = batch_id), blocking or not: the first $2
-- problems of each kind in row order, and how many of that kind the batch has in all (a file
-- of 100,000 duplicated lines is named by its first few; every problem stays in this table).
select
    check_name,
    source_sheet,
    source_row,
    reason,
    is_blocking,
    count(*) over (partition by is_blocking) as of_its_kind
from raw.batch_problems
where batch_id = $1
qualify row_number() over (partition by is_blocking order by source_row nulls first) <= $2
order by source_row nulls first
