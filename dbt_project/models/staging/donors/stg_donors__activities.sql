with

source as (
    select * from {{ source('donors', 'iati_activities') }}
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
)

select * from final
