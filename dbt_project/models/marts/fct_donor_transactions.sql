{#- Donor transactions (commitments, disbursements, expenditure) once each across activity files
    and the Datastore, in the original currency and in đồng, counted for programme projects by the
    Office's mapping table (a transaction of an unmapped activity has one row, without project). -#}
with

transactions as (
    select * from {{ ref('int_donor_transactions_converted') }}
    where batch_id in {{ accepted_batches() }}
),

mapping as (
    select * from {{ ref('donor_project_mapping') }}
),

activities as (
    select
        iati_identifier,
        max(reporting_org_ref) as reporting_org_ref
    from {{ ref('stg_donors__activities') }}
    group by iati_identifier
),

final as (
    select
        transactions.iati_identifier
        || '|' || transactions.transaction_type_code
        || '|' || cast(transactions.transaction_date as varchar)
        || '|' || cast(transactions.amount_original as varchar)
        || '|' || transactions.currency_original
        || '|' || cast(transactions.occurrence as varchar) as transaction_key,
        transactions.iati_identifier,
        activities.reporting_org_ref,
        transactions.transaction_type_code,
        case transactions.transaction_type_code
            when '2' then 'commitment'
            when '3' then 'disbursement'
            when '4' then 'expenditure'
            else 'other'
        end as transaction_type,
        transactions.transaction_date,
        transactions.value_date,
        transactions.amount_original,
        transactions.currency_original,
        transactions.rate_date,
        transactions.vnd_per_unit,
        transactions.amount_vnd,
        mapping.project_code,
        mapping.share as project_share,
        cast(round(transactions.amount_vnd * mapping.share) as bigint)
            as project_amount_vnd,
        transactions.channel,
        transactions.is_in_both_channels,
        transactions.batch_id
    from transactions
    left join mapping on transactions.iati_identifier = mapping.iati_identifier
    left join activities on transactions.iati_identifier = activities.iati_identifier
)

select * from final
