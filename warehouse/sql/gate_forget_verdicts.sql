-- Forget the verdicts on some batches ($1 = list of batch_id) so the gate judges them again.
delete from quality.batch_status
where batch_id in (select unnest($1))
