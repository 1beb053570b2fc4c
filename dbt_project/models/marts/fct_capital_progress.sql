{#- Only facts of batches the quality gate accepted; for each province × period the latest
    accepted submission wins (a corrected file replaces the earlier one; both stay in
    int_provincial_progress_unpivoted and raw). -#}
with

facts as (
    select * from {{ ref('int_provincial_progress_unpivoted') }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

accepted as (
    select
        facts.*,
        batches.loaded_at
    from facts
    inner join batch_status
        on
            facts.batch_id = batch_status.batch_id
            and batch_status.status = 'accepted'
    inner join batches
        on facts.batch_id = batches.batch_id
),

ranked as (
    select
        accepted.*,
        dense_rank() over (
            partition by accepted.admin_era, accepted.province_code_as_reported, accepted.period
            order by accepted.loaded_at desc, accepted.batch_id desc, accepted.report_index desc
        ) as submission_rank
    from accepted
),

current_rows as (
    select
        ranked.*,
        cast(extract(year from ranked.period_end_date) as integer) as report_year,
        lag(ranked.disbursed_vnd) over (
            partition by
                ranked.admin_era,
                ranked.province_code_as_reported,
                ranked.project_code,
                ranked.subproject_code,
                ranked.budget_source,
                ranked.capital_type,
                extract(year from ranked.period_end_date)
            order by ranked.period_end_date, ranked.period
        ) as own_previous_vnd
    from ranked
    where ranked.submission_rank = 1
),

-- Across the 1 July 2025 reform: the first report of a 2025 province in a year carries the year
-- to date of all the old provinces it absorbed, so what those reported of each line before it
-- comes first: each old province's latest report of that line in the year (as a unit's own
-- increments follow its latest report that has the line; a line left out of a later report
-- keeps its year to date, and is not counted again).
predecessor_lines as (
    select
        *,
        row_number() over (
            partition by
                province_code_as_reported,
                report_year,
                project_code,
                subproject_code,
                budget_source,
                capital_type
            order by period_end_date desc, period desc
        ) as latest_first
    from current_rows
    where admin_era = '2008'
),

predecessor_totals as (
    select
        province_code,
        report_year,
        project_code,
        subproject_code,
        budget_source,
        capital_type,
        max(period_end_date) as period_end_date,
        sum(disbursed_vnd) as disbursed_vnd
    from predecessor_lines
    where latest_first = 1
    group by
        province_code,
        report_year,
        project_code,
        subproject_code,
        budget_source,
        capital_type
),

final as (
    select
        current_rows.batch_id,
        current_rows.province_code,
        current_rows.province_code_as_reported,
        current_rows.admin_era,
        current_rows.period,
        current_rows.period_end_date,
        current_rows.project_code,
        current_rows.subproject_code,
        current_rows.budget_source,
        current_rows.capital_type,
        current_rows.planned_vnd,
        current_rows.disbursed_vnd,
        -- Disbursement is reported cumulative from 1 January: the increment of a period is what
        -- it adds to the line's previous report of the same year (the same reporting unit's, or,
        -- for a 2025 province's first report of the year, its old provinces' last ones).
        -- (a sum of the old provinces' lines is HUGEINT: the result is đồng, BIGINT)
        cast(current_rows.disbursed_vnd - coalesce(
            current_rows.own_previous_vnd,
            case
                when
                    current_rows.admin_era = '2025'
                    and predecessor_totals.period_end_date < current_rows.period_end_date
                    then predecessor_totals.disbursed_vnd
            end,
            0
        ) as bigint) as disbursed_in_period_vnd,
        current_rows.form,
        current_rows.source_file_sha256,
        current_rows.source_sheet,
        current_rows.source_row,
        current_rows.report_index,
        current_rows.loaded_at
    from current_rows
    left join predecessor_totals
        on
            current_rows.province_code = predecessor_totals.province_code
            and current_rows.report_year = predecessor_totals.report_year
            and current_rows.project_code = predecessor_totals.project_code
            and current_rows.subproject_code is not distinct from predecessor_totals.subproject_code
            and current_rows.budget_source = predecessor_totals.budget_source
            and current_rows.capital_type = predecessor_totals.capital_type
)

select * from final
