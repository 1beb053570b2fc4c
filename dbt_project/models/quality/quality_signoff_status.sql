{#- Where sign-off stands: one row per 2025 province × period ever approved, from the audit of
    approvals and unlocks (the latest event decides whether the slice is locked). -#}
with

events as (
    select * from {{ ref('stg_quality__signoff_events') }}
),

approved_batches as (
    select * from {{ ref('stg_quality__signoff_approved_batches') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

ranked as (
    select
        events.*,
        row_number() over (
            partition by events.province_code, events.period, events.action
            order by events.recorded_at desc, events.event_id desc
        ) as recency_of_action,
        row_number() over (
            partition by events.province_code, events.period
            order by events.recorded_at desc, events.event_id desc
        ) as recency
    from events
),

latest_approvals as (
    select * from ranked
    where action = 'approve' and recency_of_action = 1
),

latest_unlocks as (
    select * from ranked
    where action = 'unlock' and recency_of_action = 1
),

latest_events as (
    select * from ranked
    where recency = 1
),

approved_counts as (
    select
        event_id,
        count(*) as approved_batches
    from approved_batches
    group by event_id
),

event_counts as (
    select
        province_code,
        period,
        count(*) as events
    from events
    group by province_code, period
),

final as (
    select
        latest_approvals.province_code,
        provinces.province_name,
        latest_approvals.period,
        latest_events.action = 'approve' as is_locked,
        latest_approvals.event_id as approval_event_id,
        latest_approvals.actor as approved_by,
        latest_approvals.recorded_at as approved_at,
        coalesce(approved_counts.approved_batches, 0) as approved_batches,
        latest_unlocks.actor as last_unlocked_by,
        latest_unlocks.recorded_at as last_unlocked_at,
        latest_unlocks.reason as last_unlock_reason,
        event_counts.events
    from latest_approvals
    inner join latest_events
        on
            latest_approvals.province_code = latest_events.province_code
            and latest_approvals.period = latest_events.period
    inner join event_counts
        on
            latest_approvals.province_code = event_counts.province_code
            and latest_approvals.period = event_counts.period
    left join latest_unlocks
        on
            latest_approvals.province_code = latest_unlocks.province_code
            and latest_approvals.period = latest_unlocks.period
    left join approved_counts on latest_approvals.event_id = approved_counts.event_id
    left join provinces on latest_approvals.province_code = provinces.province_code_2025
)

select * from final
