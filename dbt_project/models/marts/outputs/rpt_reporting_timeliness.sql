{#- Who has reported each expected period, and who was late, judged on the day of arrival in
    Vietnam time (Asia/Ho_Chi_Minh) against the calendar's due date. -#}
with

completeness as (
    select * from {{ ref('reporting_completeness') }}
),

final as (
    select
        form,
        period,
        due_date,
        admin_era,
        province_code_as_reported,
        province_code,
        province_name,
        is_received,
        is_accepted,
        first_received_at,
        cast(timezone('Asia/Ho_Chi_Minh', first_received_at) as timestamp) as first_received_at_vn,
        case
            when not is_received then 'not_received'
            when cast(timezone('Asia/Ho_Chi_Minh', first_received_at) as date) <= due_date then 'on_time'
            else 'late'
        end as timeliness,
        submissions
    from completeness
)

select * from final
