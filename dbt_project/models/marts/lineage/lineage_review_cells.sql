{{ config(materialized='ephemeral') }}
{#- Lineage of the steering report's sheet rpt_beneficiary_review_by_province (part of lineage_report_cells,
    which documents the columns): each
    household line of mart_beneficiary_review under the sheet's flags (beneficiary_review_measures,
    the same list), per 2025 province × support year; a household counted at its first line. Only
    the pseudonym and the file, sheet and row: nothing of the person. -#}
with

review as (
    select * from {{ ref('mart_beneficiary_review') }}
),

review_rows as (
    select
        review.*,
        review.household_pseudonym is not null and row_number() over (
            partition by review.province_code, review.support_year, review.household_pseudonym
            order by review.batch_id, review.source_sheet, review.source_row
        ) = 1 as is_first_of_household
    from review
),

review_measures as (
    select
        'support_lines' as measure,
        false as is_money
    union all
    select
        'households' as measure,
        false as is_money
    union all
    select
        'amount_vnd' as measure,
        true as is_money
    {%- for m in beneficiary_review_measures() %}
        union all
        select
            '{{ m.measure }}' as measure,
            {{ m.is_money }} as is_money
    {%- endfor %}
),

review_flags as (
    select
        review_rows.*,
        review_measures.measure,
        review_measures.is_money,
        case review_measures.measure
            when 'households' then review_rows.is_first_of_household
            {%- for m in beneficiary_review_measures() %}
                when '{{ m.measure }}' then coalesce({{ m.when | replace('review.', 'review_rows.') }}, false)
            {%- endfor %}
            else true
        end as is_counted
    from review_rows
    cross join review_measures
),

review_cells as (
    select
        'rpt_beneficiary_review_by_province' as report,
        province_code,
        cast(support_year as varchar) as period,
        cast(null as varchar) as cell_code,
        cast(null as varchar) as cell_key,
        cast(null as varchar) as project_code,
        measure,
        case when is_money then case when is_counted then amount_vnd else 0 end end as amount_vnd,
        case when not is_money then case when is_counted then 1 else 0 end end as counted,
        'provincial_report' as source_kind,
        batch_id,
        source_file_sha256,
        source_sheet,
        source_row,
        cast(null as varchar) as source_record_id,
        household_pseudonym,
        cast(null as varchar) as derivation,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        province_code_as_reported,
        admin_era
    from review_flags
    where is_counted or measure = 'households'
)

{{ lineage_cell_row('review_cells') }}
