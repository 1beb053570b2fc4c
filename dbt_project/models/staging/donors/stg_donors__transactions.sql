with

source as (
    select * from {{ source('donors', 'iati_transactions') }}
),

refused as (
    -- batches their reader refused (a blocking problem: an activity without or repeating an
    -- <iati-identifier>, a value that is not a number …) are quarantined: no row of theirs goes
    -- further than raw, so no key test downstream can stop the run for one bad file
    select distinct batch_id from {{ ref('stg_raw__batch_problems') }}
    where is_blocking
),

final as (
    select
        iati_identifier,
        cast(transaction_index as integer) as transaction_index,
        transaction_ref,
        transaction_type_code,
        cast(transaction_date as date) as transaction_date,
        cast(value as numeric(38, 10)) as transaction_value,
        upper(currency) as currency,
        cast(value_date as date) as value_date,
        provider_org_ref,
        provider_org_name,
        receiver_org_ref,
        receiver_org_name,
        description,
        last_updated_datetime as last_updated_at,
        'activity_file' as channel,
        batch_id,
        source_file_sha256
    from source
    where not exists (
        select 1 from refused
        where refused.batch_id = source.batch_id
    )
)

select * from final
