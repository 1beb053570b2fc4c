-- The latest sign-off event of one province ($1: 2025 code) × period ($2), if any.
select
    event_id,
    action,
    actor,
    reason,
    recorded_at
from quality.signoff_events
where province_code = $1 and period = $2
order by recorded_at desc, event_id desc
limit 1
