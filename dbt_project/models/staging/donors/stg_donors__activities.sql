with

source as (
    select * from {{ source('donors', 'iati_activities') }}
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
        reporting_org_ref,
        reporting_org_name,
        upper(default_currency) as default_currency,
        title,
        activity_status,
        last_updated_datetime as last_updated_at,
        cast(source_line as integer) as source_line,
        batch_id
    from source
    where not exists (
        select 1 from refused
        where refused.batch_id = source.batch_id
    )
)

select * from final
