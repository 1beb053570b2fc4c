with

source as (
    select * from {{ source('raw', 'provincial_report_lines') }}
),

renamed as (
    select
        batch_id,
        source_file_sha256,
        cast(report_index as integer) as report_index,
        form,
        sender_name,
        province_name,
        admin_era,
        province_code_as_reported,
        province_code_2025,
        period,
        cast(period_end_date as date) as period_end_date,
        unit,
        cast(unit_vnd as bigint) as unit_vnd,
        cast(tolerance_vnd as bigint) as tolerance_vnd,
        source_sheet,
        cast(source_row as integer) as source_row,
        line_kind,
        cast(parent_source_row as integer) as parent_source_row,
        is_leaf,
        budget_source,
        project_code,
        subproject_code,
        label,
        cast(planned_total_vnd as bigint) as planned_total_vnd,
        cast(planned_investment_vnd as bigint) as planned_investment_vnd,
        cast(planned_recurrent_vnd as bigint) as planned_recurrent_vnd,
        cast(disbursed_total_vnd as bigint) as disbursed_total_vnd,
        cast(disbursed_investment_vnd as bigint) as disbursed_investment_vnd,
        cast(disbursed_recurrent_vnd as bigint) as disbursed_recurrent_vnd
    from source
),

final as (
    select * from renamed
)

select * from final
