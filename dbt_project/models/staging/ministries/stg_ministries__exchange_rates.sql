with

source as (
    select * from {{ source('ministries', 'ministry_exchange_rates') }}
),

final as (
    select
        id as exchange_rate_id,
        upper(currency) as currency,
        cast(rate_date as date) as rate_date,
        cast(vnd_per_unit as numeric(20, 6)) as vnd_per_unit,
        updated_at,
        batch_id
    from source
)

select * from final
