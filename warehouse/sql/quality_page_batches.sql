-- Every batch with its verdict, newest first, for the quality page.
select *
from quality.quality_batches
order by loaded_at desc, original_name asc
