{#- Treasury disbursements by month, the latest version of each record across pulls, in 2025
    province codes. -#}
with

history as (
    select * from {{ ref('int_treasury_disbursements_history') }}
    where batch_id in {{ accepted_batches() }}
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
        disbursement_id,
        month_start_date,
        cast(extract(year from month_start_date) as integer) as disbursement_year,
        province_code,
        province_code_as_reported,
        admin_era,
        project_code,
        subproject_code,
        budget_source,
        capital_type,
        amount_vnd,
        value_date,
        batch_id,
        updated_at
    from ranked
    where version_rank = 1
)

select * from final
