-- Every expectation that failed on a batch.
select *
from quality.check_results
where not success
