with

source as (
    select * from {{ source('donors', 'iati_participating_orgs') }}
),

final as (
    select
        iati_identifier,
        role as org_role,
        ref as org_ref,
        type as org_type,
        name as org_name,
        activity_id as org_activity_id,
        batch_id
    from source
)

select * from final
