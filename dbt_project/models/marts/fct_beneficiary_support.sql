{#- Support paid to households (Form 02), pseudonymised, from accepted batches only; for each
    province × year the latest accepted list wins. -#}
with

support as (
    select * from {{ ref('stg_provincial__beneficiary_support') }}
    where batch_id in {{ accepted_batches() }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

ranked as (
    select
        support.*,
        dense_rank() over (
            partition by support.admin_era, support.province_code_as_reported, support.period
            order by batches.loaded_at desc, support.batch_id desc
        ) as submission_rank
    from support
    inner join batches on support.batch_id = batches.batch_id
),

final as (
    select
        batch_id,
        source_file_sha256,
        source_sheet,
        source_row,
        household_pseudonym,
        province_code_2025 as province_code,
        province_code_as_reported,
        admin_era,
        district_name,
        commune_name,
        village_name,
        ethnicity,
        support_content,
        support_year,
        amount_vnd,
        is_repeat_household
    from ranked
    where submission_rank = 1
)

select * from final
