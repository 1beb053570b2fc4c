{#- Where the two independent old→new commune mappings disagree: each old commune × new commune
    pair that only one of them has. Listed for the Office to settle, never hidden. -#}
with

vietnamadminunits as (
    {{ latest_batch_only(ref('stg_reference__old_to_new_wards_vietnamadminunits')) }}
),

dvhcvn as (
    {{ latest_batch_only(ref('stg_reference__old_to_new_wards_dvhcvn')) }}
),

first_pairs as (
    select distinct
        old_province_code,
        old_commune_code,
        old_commune_name,
        new_commune_code,
        new_commune_name
    from vietnamadminunits
    where old_commune_code is not null
),

second_pairs as (
    select distinct
        old_province_code,
        old_commune_code,
        old_commune_name,
        new_commune_code,
        new_commune_name
    from dvhcvn
    where old_commune_code is not null
),

final as (
    select
        coalesce(first_pairs.old_province_code, second_pairs.old_province_code) as old_province_code,
        coalesce(first_pairs.old_commune_code, second_pairs.old_commune_code) as old_commune_code,
        coalesce(first_pairs.old_commune_name, second_pairs.old_commune_name) as old_commune_name,
        coalesce(first_pairs.new_commune_code, second_pairs.new_commune_code) as new_commune_code,
        coalesce(first_pairs.new_commune_name, second_pairs.new_commune_name) as new_commune_name,
        case
            when first_pairs.old_commune_code is null then 'dvhcvn'
            else 'vietnamadminunits'
        end as only_in_mapping
    from first_pairs
    full outer join second_pairs
        on
            first_pairs.old_commune_code = second_pairs.old_commune_code
            and first_pairs.new_commune_code = second_pairs.new_commune_code
    where first_pairs.old_commune_code is null or second_pairs.old_commune_code is null
)

select * from final
