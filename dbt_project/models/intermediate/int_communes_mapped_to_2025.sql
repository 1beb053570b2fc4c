{#- Old commune (pre-2025 code) → new commune(s). The vietnamadminunits mapping is used, dvhcvn
    for old communes it lacks. Where an old commune was split, its figures are apportioned by the
    new communes' population share, by area share where a population is missing, evenly as a last
    resort; `is_apportioned` flags these rows and the shares of each old commune sum to 1. -#}
with

primary_mapping as (
    {{ latest_batch_only(ref('stg_reference__old_to_new_wards_vietnamadminunits')) }}
),

second_mapping as (
    {{ latest_batch_only(ref('stg_reference__old_to_new_wards_dvhcvn')) }}
),

new_communes as (
    {{ latest_batch_only(ref('stg_reference__wards_2025')) }}
),

area_population as (
    {{ latest_batch_only(ref('stg_reference__wards_2025_area_population')) }}
),

pairs as (
    select distinct
        old_province_code,
        old_commune_code,
        new_commune_code,
        'vietnamadminunits' as mapping_source
    from primary_mapping
    where old_commune_code is not null
    union all
    select distinct
        second_mapping.old_province_code,
        second_mapping.old_commune_code,
        second_mapping.new_commune_code,
        'dvhcvn' as mapping_source
    from second_mapping
    where
        second_mapping.old_commune_code is not null
        and not exists (
            select 1 from primary_mapping
            where primary_mapping.old_commune_code = second_mapping.old_commune_code
        )
),

-- Names are the only link between the area/population file and the 2025 codes; a name that is
-- not unique within its province links nothing rather than the wrong commune.
unique_names as (
    select
        province_code_2025,
        name_key
    from area_population
    group by province_code_2025, name_key
    having count(*) = 1
),

measures as (
    select
        new_communes.commune_code as new_commune_code,
        area_population.population,
        area_population.area_km2
    from new_communes
    inner join unique_names
        on
            new_communes.province_code_2025 = unique_names.province_code_2025
            and new_communes.name_key = unique_names.name_key
    inner join area_population
        on
            unique_names.province_code_2025 = area_population.province_code_2025
            and unique_names.name_key = area_population.name_key
),

primary_areas as (
    select
        new_commune_code,
        max(new_commune_area_km2) as area_km2
    from primary_mapping
    group by new_commune_code
),

weighted as (
    select
        pairs.*,
        measures.population,
        coalesce(measures.area_km2, primary_areas.area_km2) as area_km2,
        count(*) over (partition by pairs.old_commune_code) as target_count,
        sum(case when measures.population > 0 then 1 else 0 end)
            over (partition by pairs.old_commune_code) as targets_with_population,
        sum(case when coalesce(measures.area_km2, primary_areas.area_km2) > 0 then 1 else 0 end)
            over (partition by pairs.old_commune_code) as targets_with_area,
        sum(measures.population) over (partition by pairs.old_commune_code) as population_total,
        sum(coalesce(measures.area_km2, primary_areas.area_km2))
            over (partition by pairs.old_commune_code) as area_total
    from pairs
    left join measures on pairs.new_commune_code = measures.new_commune_code
    left join primary_areas on pairs.new_commune_code = primary_areas.new_commune_code
),

final as (
    select
        old_province_code,
        old_commune_code,
        new_commune_code,
        mapping_source,
        target_count > 1 as is_apportioned,
        case
            when target_count = 1 then 'whole'
            when targets_with_population = target_count then 'population'
            when targets_with_area = target_count then 'area'
            else 'even'
        end as share_basis,
        cast(
            case
                when target_count = 1 then 1.0
                when targets_with_population = target_count
                    then 1.0 * population / population_total
                when targets_with_area = target_count then 1.0 * area_km2 / area_total
                else 1.0 / target_count
            end as numeric(18, 12)
        ) as apportion_share
    from weighted
)

select * from final
