{#- Donor transactions of every batch of both channels, in the original currency and in đồng at
    the State Bank rate of the value date (the most recent rate on or before it). One row per
    batch × activity × transaction: which copy counts is decided in the mart, among accepted
    batches only. -#}
with

transactions as (
    select * from {{ ref('int_donor_transactions_unioned') }}
),

rates as (
    select * from {{ ref('int_exchange_rates_daily') }}
),

final as (
    select
        transactions.iati_identifier,
        transactions.transaction_index,
        transactions.transaction_type_code,
        transactions.transaction_date,
        transactions.value_date,
        transactions.occurrence,
        transactions.transaction_value as amount_original,
        transactions.currency as currency_original,
        rates.rate_date,
        case when transactions.currency = 'VND' then 1 else rates.vnd_per_unit end as vnd_per_unit,
        case
            when transactions.currency = 'VND'
                then {{ to_vnd_at_rate('transactions.transaction_value', '1') }}
            else {{ to_vnd_at_rate('transactions.transaction_value', 'rates.vnd_per_unit') }}
        end as amount_vnd,
        transactions.channel,
        transactions.batch_id,
        transactions.source_file_sha256,
        transactions.loaded_at
    from transactions
    left join rates
        on
            transactions.currency = rates.currency
            and rates.rate_date = (
                select max(earlier.rate_date)
                from rates as earlier
                where
                    earlier.currency = transactions.currency
                    and earlier.rate_date <= transactions.value_date
            )
)

select * from final
