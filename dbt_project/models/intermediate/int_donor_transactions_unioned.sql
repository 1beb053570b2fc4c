{{ config(materialized='incremental', unique_key='batch_id', on_schema_change='append_new_columns') }}
{#- Donor transactions of both ways in (activity files and the Datastore), every batch kept.
    `occurrence` numbers identical transactions within one batch, so genuine twins survive the
    de-duplication across batches and channels. Grows by batch. -#}
with

file_transactions as (
    select * from {{ ref('stg_donors__transactions') }}
),

datastore_transactions as (
    select * from {{ ref('stg_donors__datastore_transactions') }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

unioned as (
    select * from file_transactions
    union all
    select * from datastore_transactions
),

final as (
    select
        unioned.iati_identifier,
        unioned.transaction_index,
        unioned.transaction_ref,
        unioned.transaction_type_code,
        unioned.transaction_date,
        coalesce(unioned.value_date, unioned.transaction_date) as value_date,
        unioned.transaction_value,
        unioned.currency,
        unioned.provider_org_ref,
        unioned.receiver_org_ref,
        unioned.channel,
        unioned.batch_id,
        unioned.source_file_sha256,
        batches.loaded_at,
        row_number() over (
            partition by
                unioned.batch_id,
                unioned.iati_identifier,
                unioned.transaction_type_code,
                unioned.transaction_date,
                unioned.transaction_value,
                unioned.currency
            order by unioned.transaction_index
        ) as occurrence
    from unioned
    inner join batches on unioned.batch_id = batches.batch_id
    {% if is_incremental() %}
        where unioned.batch_id not in (select distinct held.batch_id from {{ this }} as held)
    {% endif %}
)

select * from final
