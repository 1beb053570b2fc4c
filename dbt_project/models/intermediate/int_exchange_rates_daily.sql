{#- One State Bank central rate per currency × day: the latest version of each record among
    the pulls the gate accepted. -#}
with

rates as (
    select * from {{ ref('stg_ministries__exchange_rates') }}
    where
        vnd_per_unit is not null
        and batch_id in {{ accepted_batches() }}
),

ranked as (
    select
        rates.*,
        row_number() over (
            partition by rates.currency, rates.rate_date
            order by rates.updated_at desc, rates.batch_id desc
        ) as version_rank
    from rates
),

final as (
    select
        currency,
        rate_date,
        vnd_per_unit
    from ranked
    where version_rank = 1
)

select * from final
