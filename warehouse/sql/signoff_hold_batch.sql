-- An accepted batch ($1) that would change an approved slice is held instead ($2: why; $3: when).
update quality.batch_status
set
    status = 'held',
    reasons = $2,
    fact_count = 0,
    gated_at = $3
where batch_id = $1 and status = 'accepted'
