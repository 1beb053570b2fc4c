{#- Reporting rate and on-time rate per form × period (the summary of reporting_completeness). -#}
with

completeness as (
    select * from {{ ref('reporting_completeness') }}
),

final as (
    select
        form,
        period,
        due_date,
        count(*) as expected_reports,
        sum(case when is_received then 1 else 0 end) as received_reports,
        sum(case when is_accepted then 1 else 0 end) as accepted_reports,
        sum(case when is_on_time then 1 else 0 end) as on_time_reports,
        round(100.0 * sum(case when is_received then 1 else 0 end) / count(*), 1)
            as reporting_rate_pct,
        round(100.0 * sum(case when is_on_time then 1 else 0 end) / count(*), 1)
            as on_time_rate_pct
    from completeness
    group by form, period, due_date
)

select * from final
