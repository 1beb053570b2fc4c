-- Cross-source differences in the report's period ($1): provincial reports against the treasury
-- and the Ministry of Finance (mart_source_reconciliation, from the trust issue's models).
select
    province_code,
    province_name,
    project_code,
    comparison,
    reference_source,
    reported_vnd,
    reference_vnd,
    difference_vnd,
    tolerance_vnd,
    is_over_tolerance
from marts.mart_source_reconciliation
where period = $1::varchar and is_compared
order by is_over_tolerance desc, province_code asc, project_code asc, comparison asc
