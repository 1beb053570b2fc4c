-- Open findings, one per problem, for routing to the officers responsible.
select
    finding_key,
    severity,
    check_name,
    province_code,
    project_code,
    period,
    source_name,
    message_vi,
    message_en,
    batch_id
from quality.quality_alert_findings
