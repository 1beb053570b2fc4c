-- Reporting rates of the periods received, or due in the last four months.
select
    period,
    due_date,
    expected_reports,
    received_reports,
    accepted_reports,
    on_time_reports,
    reporting_rate_pct,
    on_time_rate_pct
from quality.reporting_rates
where received_reports > 0 or due_date >= current_date - 120
order by due_date desc
