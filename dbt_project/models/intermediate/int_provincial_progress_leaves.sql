{{ config(materialized='incremental', unique_key='batch_id', on_schema_change='append_new_columns') }}
{#- Leaf rows of provincial reports, one row per capital type, with the 2025 province and
    flags for the quality gate. Subtotal rows never become facts. Grows by batch: a run adds only
    the batches it does not hold yet (a re-read batch needs `dbt build --full-refresh`). -#}
with

lines as (
    select * from {{ ref('stg_provincial__report_lines') }}
    where
        is_leaf
        {% if is_incremental() %}
            and batch_id not in (select distinct held.batch_id from {{ this }} as held)
        {% endif %}
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

programme as (
    select * from {{ ref('programme_phase1') }}
),

by_capital_type as (
    -- Form 01 leaves carry both capital types (an empty cell is zero);
    -- a flat CSV row carries the one it names.
    select
        lines.*,
        'investment' as capital_type,
        coalesce(lines.planned_investment_vnd, 0) as planned_vnd,
        coalesce(lines.disbursed_investment_vnd, 0) as disbursed_vnd
    from lines
    where
        lines.form = 'form01'
        or lines.planned_investment_vnd is not null
        or lines.disbursed_investment_vnd is not null
    union all
    select
        lines.*,
        'recurrent' as capital_type,
        coalesce(lines.planned_recurrent_vnd, 0) as planned_vnd,
        coalesce(lines.disbursed_recurrent_vnd, 0) as disbursed_vnd
    from lines
    where
        lines.form = 'form01'
        or lines.planned_recurrent_vnd is not null
        or lines.disbursed_recurrent_vnd is not null
),

final as (
    select
        facts.batch_id,
        facts.source_file_sha256,
        facts.report_index,
        facts.form,
        facts.source_sheet,
        facts.source_row,
        provinces.province_code_2025 as province_code,
        facts.province_code_as_reported,
        facts.admin_era,
        facts.province_name,
        facts.period,
        facts.period_end_date,
        facts.project_code,
        facts.subproject_code,
        facts.budget_source,
        facts.capital_type,
        facts.planned_vnd,
        facts.disbursed_vnd,
        provinces.province_code is not null
        and provinces.province_code_2025 = facts.province_code_2025 as is_known_province,
        programme.project_code is not null as is_known_programme_code
    from by_capital_type as facts
    left join provinces
        on
            facts.admin_era = provinces.admin_era
            and facts.province_code_as_reported = provinces.province_code
    left join programme
        on
            facts.project_code = programme.project_code
            and coalesce(facts.subproject_code, '') = coalesce(programme.subproject_code, '')
)

select * from final
