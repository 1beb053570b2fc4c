{{ config(materialized='view') }}
{#- Leaf facts of provincial reports with what the reference data says of them now: the 2025
    province, and whether the province and the programme code are known. A view over the
    incremental leaves, so a corrected seed changes the verdict when a province × period is
    judged again. A programme code is known when it is a phase I project or sub-project, or, for
    periods from 2026, a component or content of the 2026–2035 programme. -#}
with

leaves as (
    select * from {{ ref('int_provincial_progress_leaves') }}
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

programme as (
    select
        project_code,
        coalesce(subproject_code, '') as subproject_key,
        cast(null as date) as valid_from
    from {{ ref('programme_phase1') }}
    union all
    select
        coalesce(parent_code, programme_code) as project_code,
        case when parent_code is not null then programme_code else '' end as subproject_key,
        cast('2026-01-01' as date) as valid_from
    from {{ ref('programme_2026_2035') }}
),

final as (
    select
        leaves.batch_id,
        leaves.source_file_sha256,
        leaves.report_index,
        leaves.form,
        leaves.source_sheet,
        leaves.source_row,
        provinces.province_code_2025 as province_code,
        leaves.province_code_as_reported,
        leaves.admin_era,
        leaves.province_name,
        leaves.period,
        leaves.period_end_date,
        leaves.project_code,
        leaves.subproject_code,
        leaves.budget_source,
        leaves.capital_type,
        leaves.planned_vnd,
        leaves.disbursed_vnd,
        provinces.province_code is not null
        and provinces.province_code_2025 = leaves.province_code_2025_as_read as is_known_province,
        exists(
            select 1 from programme
            where
                programme.project_code = leaves.project_code
                and programme.subproject_key = coalesce(leaves.subproject_code, '')
                and (
                    programme.valid_from is null
                    or leaves.period_end_date >= programme.valid_from
                )
        ) as is_known_programme_code
    from leaves
    left join provinces
        on
            leaves.admin_era = provinces.admin_era
            and leaves.province_code_as_reported = provinces.province_code
)

select * from final
