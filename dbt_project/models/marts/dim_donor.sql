{#- Development partners that report the activities the Office receives. -#}
with

activities as (
    select * from {{ ref('stg_donors__activities') }}
),

mapping as (
    select distinct iati_identifier from {{ ref('donor_project_mapping') }}
),

final as (
    select
        activities.reporting_org_ref as donor_ref,
        max(activities.reporting_org_name) as donor_name,
        max(activities.default_currency) as default_currency,
        count(distinct activities.iati_identifier) as activity_count,
        count(distinct mapping.iati_identifier) as mapped_activity_count
    from activities
    left join mapping on activities.iati_identifier = mapping.iati_identifier
    where activities.reporting_org_ref is not null
    group by activities.reporting_org_ref
)

select * from final
