{#- Extremely difficult villages (Decision 612) counted per old commune, and carried to the new
    communes: whole to the one new commune, or, for a split commune, in integer parts by share
    that add up exactly to the old commune's count (largest remainder). -#}
with

villages as (
    select * from {{ ref('stg_ministries__extremely_difficult_villages') }}
    where batch_id in {{ accepted_batches() }}
),

crosswalk as (
    select * from {{ ref('int_communes_mapped_to_2025') }}
),

latest_villages as (
    select
        villages.*,
        row_number() over (
            partition by villages.village_id
            order by villages.updated_at desc, villages.batch_id desc
        ) as version_rank
    from villages
),

per_old_commune as (
    select
        commune_code as old_commune_code,
        count(*) as village_count
    from latest_villages
    where version_rank = 1
    group by commune_code
),

mapped as (
    select
        per_old_commune.old_commune_code,
        per_old_commune.village_count,
        crosswalk.new_commune_code,
        crosswalk.apportion_share,
        crosswalk.is_apportioned
    from per_old_commune
    inner join crosswalk on per_old_commune.old_commune_code = crosswalk.old_commune_code
),

final as (
    select
        old_commune_code,
        new_commune_code,
        is_apportioned,
        apportion_share,
        village_count as old_commune_village_count,
        {{ apportion_integer('village_count', 'apportion_share', 'old_commune_code', 'new_commune_code') }}
            as village_count
    from mapped
)

select * from final
