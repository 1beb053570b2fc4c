{#- Donor transactions once each (the latest batch of either channel wins), in the original
    currency and in đồng at the State Bank rate of the value date (the most recent rate on or
    before it). -#}
with

transactions as (
    select * from {{ ref('int_donor_transactions_unioned') }}
),

rates as (
    select * from {{ ref('int_exchange_rates_daily') }}
),

deduplicated as (
    select
        transactions.*,
        row_number() over (
            partition by
                transactions.iati_identifier,
                transactions.transaction_type_code,
                transactions.transaction_date,
                transactions.transaction_value,
                transactions.currency,
                transactions.occurrence
            order by transactions.loaded_at desc, transactions.batch_id desc
        ) as copy_rank,
        min(transactions.channel) over (
            partition by
                transactions.iati_identifier,
                transactions.transaction_type_code,
                transactions.transaction_date,
                transactions.transaction_value,
                transactions.currency,
                transactions.occurrence
        ) as first_channel,
        max(transactions.channel) over (
            partition by
                transactions.iati_identifier,
                transactions.transaction_type_code,
                transactions.transaction_date,
                transactions.transaction_value,
                transactions.currency,
                transactions.occurrence
        ) as last_channel
    from transactions
),

kept as (
    select * from deduplicated
    where copy_rank = 1
),

final as (
    select
        kept.iati_identifier,
        kept.transaction_type_code,
        kept.transaction_date,
        kept.value_date,
        kept.occurrence,
        kept.transaction_value as amount_original,
        kept.currency as currency_original,
        rates.rate_date,
        case when kept.currency = 'VND' then 1 else rates.vnd_per_unit end as vnd_per_unit,
        case
            when kept.currency = 'VND' then {{ to_vnd_at_rate('kept.transaction_value', '1') }}
            else {{ to_vnd_at_rate('kept.transaction_value', 'rates.vnd_per_unit') }}
        end as amount_vnd,
        kept.channel,
        kept.first_channel != kept.last_channel as is_in_both_channels,
        kept.batch_id
    from kept
    left join rates
        on
            kept.currency = rates.currency
            and rates.rate_date = (
                select max(earlier.rate_date)
                from rates as earlier
                where
                    earlier.currency = kept.currency
                    and earlier.rate_date <= kept.value_date
            )
)

select * from final
