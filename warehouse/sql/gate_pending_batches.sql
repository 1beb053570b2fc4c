-- Batches loaded into raw that the gate has not judged since they were (re)loaded.
select
    b.batch_id,
    b.source,
    b.dataset,
    b.source_file_sha256 as sha256,
    b.original_name,
    b.rows_read,
    b.loaded_at
from raw.batches as b
left join quality.batch_status as s on b.batch_id = s.batch_id
where s.batch_id is null or s.gated_at < b.loaded_at
order by b.loaded_at, b.batch_id
