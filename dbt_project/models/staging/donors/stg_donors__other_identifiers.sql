with

source as (
    select * from {{ source('donors', 'iati_other_identifiers') }}
),

final as (
    select
        iati_identifier,
        ref as other_identifier,
        type as other_identifier_type,
        owner_org_ref,
        owner_org_name,
        batch_id
    from source
)

select * from final
