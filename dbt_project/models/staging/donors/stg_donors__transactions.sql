with

source as (
    select * from {{ source('donors', 'iati_transactions') }}
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
        batch_id
    from source
)

select * from final
