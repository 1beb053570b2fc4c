{#- Treasury disbursements by month, the latest version of each record across pulls, in 2025
    province codes. -#}
with

history as (
    select * from {{ ref('int_treasury_disbursements_history') }}
    where batch_id in {{ accepted_batches() }}
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

ranked as (
    select
        history.*,
        row_number() over (
            partition by history.disbursement_id
            order by history.updated_at desc, history.batch_id desc
        ) as version_rank
    from history
),

final as (
    select
        ranked.disbursement_id,
        ranked.month_start_date,
        cast(extract(year from ranked.month_start_date) as integer) as disbursement_year,
        provinces.province_code_2025 as province_code,
        ranked.province_code_as_reported,
        ranked.admin_era,
        ranked.project_code,
        ranked.subproject_code,
        ranked.budget_source,
        ranked.capital_type,
        ranked.amount_vnd,
        ranked.value_date,
        ranked.batch_id,
        ranked.updated_at,
        ranked.source_file_sha256,
        ranked.source_page,
        ranked.disbursement_id as source_record_id
    from ranked
    left join provinces
        on
            ranked.admin_era = provinces.admin_era
            and ranked.province_code_as_reported = provinces.province_code
    where ranked.version_rank = 1
)

select * from final
