{#- Nothing read is lost: per batch, the rows the reader kept are the rows in raw, and each of
    its reports (what the batch says of one province × period) is in the marts whole or not at
    all — whole only when the batch was accepted. A report is left out when the batch was
    quarantined or when a later accepted file replaced that province × period, so a later file
    replacing one province of an earlier multi-province file is legal: the earlier file's other
    provinces stay in force, and are conserved. -#}
with

batches as (
    select * from {{ ref('stg_raw__batches') }}
    where dataset in ('form01', 'flat_csv', 'unreadable')
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

raw_lines as (
    select
        batch_id,
        count(*) as raw_rows
    from {{ ref('stg_provincial__report_lines') }}
    group by batch_id
),

report_leaf_facts as (
    select
        batch_id,
        admin_era,
        province_code_as_reported,
        period,
        report_index,
        count(*) as leaf_facts
    from {{ ref('int_provincial_progress_unpivoted') }}
    group by batch_id, admin_era, province_code_as_reported, period, report_index
),

reports as (
    -- the marts take one report per province × period, of one batch its last one: a report
    -- is conserved against the leaf facts of that one (all reports count towards leaf_facts)
    select
        batch_id,
        admin_era,
        province_code_as_reported,
        period,
        report_index,
        leaf_facts,
        sum(leaf_facts) over (
            partition by batch_id, admin_era, province_code_as_reported, period
        ) as all_leaf_facts,
        row_number() over (
            partition by batch_id, admin_era, province_code_as_reported, period
            order by report_index desc
        ) as report_rank
    from report_leaf_facts
),

report_mart_facts as (
    select
        batch_id,
        admin_era,
        province_code_as_reported,
        period,
        count(*) as mart_facts
    from {{ ref('fct_capital_progress') }}
    group by batch_id, admin_era, province_code_as_reported, period
),

report_conservation as (
    select
        reports.batch_id,
        reports.all_leaf_facts as leaf_facts,
        coalesce(report_mart_facts.mart_facts, 0) as mart_facts,
        coalesce(report_mart_facts.mart_facts, 0) = 0
        or (
            batch_status.status = 'accepted'
            and report_mart_facts.mart_facts = reports.leaf_facts
        ) as is_conserved
    from reports
    left join report_mart_facts
        on
            reports.batch_id = report_mart_facts.batch_id
            and reports.admin_era = report_mart_facts.admin_era
            and reports.province_code_as_reported = report_mart_facts.province_code_as_reported
            and reports.period = report_mart_facts.period
    left join batch_status on reports.batch_id = batch_status.batch_id
    where reports.report_rank = 1
),

batch_conservation as (
    select
        batch_id,
        count(*) as reports,
        sum(case when mart_facts > 0 then 1 else 0 end) as reports_in_marts,
        sum(leaf_facts) as leaf_facts,
        sum(mart_facts) as mart_facts,
        min(case when is_conserved then 1 else 0 end) = 1 as are_reports_conserved
    from report_conservation
    group by batch_id
),

final as (
    select
        batches.batch_id,
        batches.original_name,
        batch_status.status,
        batches.rows_read,
        batches.rows_loaded,
        coalesce(raw_lines.raw_rows, 0) as raw_rows,
        coalesce(batch_conservation.reports, 0) as reports,
        coalesce(batch_conservation.reports_in_marts, 0) as reports_in_marts,
        coalesce(batch_conservation.leaf_facts, 0) as leaf_facts,
        coalesce(batch_conservation.mart_facts, 0) as mart_facts,
        batches.rows_loaded = coalesce(raw_lines.raw_rows, 0)
        and coalesce(batch_conservation.are_reports_conserved, true) as is_conserved
    from batches
    left join batch_status on batches.batch_id = batch_status.batch_id
    left join raw_lines on batches.batch_id = raw_lines.batch_id
    left join batch_conservation on batches.batch_id = batch_conservation.batch_id
)

select * from final
