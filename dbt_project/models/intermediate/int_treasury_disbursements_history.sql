{{ config(materialized='incremental', unique_key='batch_id', on_schema_change='append_new_columns') }}
{#- Every treasury disbursement record of every pull (batch), with the month the money went out.
    Nothing is read from a seed here (the 2025 province is joined on in the mart), so a corrected
    seed is never stale in this table. Grows by batch: a run adds only batches not held yet. -#}
with

disbursements as (
    select * from {{ ref('stg_ministries__disbursements') }}
    {% if is_incremental() %}
        where batch_id not in (select distinct held.batch_id from {{ this }} as held)
    {% endif %}
),

final as (
    select
        disbursements.disbursement_id,
        disbursements.batch_id,
        disbursements.admin_era,
        disbursements.province_code as province_code_as_reported,
        disbursements.project_code,
        disbursements.subproject_code,
        case disbursements.budget_source_code
            when 'NSTW' then 'central'
            when 'NSDP' then 'local'
        end as budget_source,
        case disbursements.capital_type_code
            when 'DTPT' then 'investment'
            when 'SN' then 'recurrent'
        end as capital_type,
        -- `month` should read YYYY-MM; where a gateway sends only the month number, the value
        -- date tells the month.
        case
            when disbursements.month_label like '____-__'
                then cast(disbursements.month_label || '-01' as date)
            else cast(date_trunc('month', disbursements.value_date) as date)
        end as month_start_date,
        disbursements.amount_vnd,
        disbursements.value_date,
        disbursements.updated_at,
        disbursements.source_file_sha256,
        disbursements.source_page
    from disbursements
)

select * from final
