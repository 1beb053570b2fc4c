with

source as (
    select * from {{ source('raw', 'beneficiary_support_lines') }}
),

final as (
    select
        batch_id,
        source_file_sha256,
        admin_era,
        province_code_as_reported,
        province_code_2025,
        province_name,
        period,
        source_sheet,
        cast(source_row as integer) as source_row,
        household_pseudonym,
        ethnicity,
        village_name,
        commune_name,
        district_name,
        support_content,
        cast(amount_vnd as bigint) as amount_vnd,
        cast(support_year as integer) as support_year,
        is_repeat_household
    from source
)

select * from final
