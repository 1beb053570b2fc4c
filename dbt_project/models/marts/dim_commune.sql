{#- Communes of both eras: pre-2025 communes (reference list and the beneficiary-commune list)
    with their Decision 861 region, Decision 612 village count and where they went in 2025; and
    the 2025 communes with the villages carried to them. -#}
with

old_communes as (
    {{ latest_batch_only(ref('stg_reference__wards_pre2025')) }}
),

districts as (
    {{ latest_batch_only(ref('stg_reference__districts_pre2025')) }}
),

new_communes as (
    {{ latest_batch_only(ref('stg_reference__wards_2025')) }}
),

beneficiary as (
    select * from {{ ref('stg_ministries__beneficiary_communes') }}
    where batch_id in {{ accepted_batches() }}
),

crosswalk as (
    select * from {{ ref('int_communes_mapped_to_2025') }}
),

villages as (
    select * from {{ ref('int_commune_villages_apportioned') }}
),

village_counts as (
    select
        commune_code,
        count(*) as village_count
    from {{ ref('stg_ministries__extremely_difficult_villages') }}
    where batch_id in {{ accepted_batches() }}
    group by commune_code
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

latest_beneficiary as (
    select
        beneficiary.*,
        row_number() over (
            partition by beneficiary.commune_code
            order by beneficiary.updated_at desc, beneficiary.batch_id desc
        ) as version_rank
    from beneficiary
),

regions as (
    select * from latest_beneficiary
    where version_rank = 1
),

old_listed as (
    select
        old_communes.commune_code,
        old_communes.commune_name,
        districts.province_code
    from old_communes
    left join districts on old_communes.district_code = districts.district_code
),

old_universe as (
    select
        coalesce(old_listed.commune_code, regions.commune_code) as commune_code,
        coalesce(old_listed.commune_name, regions.commune_name) as commune_name,
        coalesce(old_listed.province_code, regions.province_code) as province_code,
        regions.region as region_861
    from old_listed
    full outer join regions on old_listed.commune_code = regions.commune_code
),

targets as (
    select
        old_commune_code,
        count(*) as new_commune_count,
        max(case when is_apportioned then 1 else 0 end) = 1 as is_split
    from crosswalk
    group by old_commune_code
),

main_targets as (
    select
        old_commune_code,
        new_commune_code,
        row_number() over (
            partition by old_commune_code order by apportion_share desc, new_commune_code asc
        ) as share_rank
    from crosswalk
),

old_rows as (
    select
        '2008' as admin_era,
        old_universe.commune_code,
        old_universe.commune_name,
        old_universe.province_code,
        provinces.province_code_2025,
        old_universe.region_861,
        coalesce(village_counts.village_count, 0) as village_count_612,
        main_targets.new_commune_code as commune_code_2025,
        coalesce(targets.new_commune_count, 0) as commune_count_2025,
        coalesce(targets.is_split, false) as is_split
    from old_universe
    left join provinces
        on
            provinces.admin_era = '2008'
            and old_universe.province_code = provinces.province_code
    left join village_counts on old_universe.commune_code = village_counts.commune_code
    left join targets on old_universe.commune_code = targets.old_commune_code
    left join main_targets
        on
            old_universe.commune_code = main_targets.old_commune_code
            and main_targets.share_rank = 1
),

new_villages as (
    select
        new_commune_code,
        sum(village_count) as village_count
    from villages
    group by new_commune_code
),

new_rows as (
    select
        '2025' as admin_era,
        new_communes.commune_code,
        new_communes.commune_name,
        new_communes.province_code_2025 as province_code,
        new_communes.province_code_2025,
        cast(null as varchar) as region_861,
        cast(coalesce(new_villages.village_count, 0) as bigint) as village_count_612,
        new_communes.commune_code as commune_code_2025,
        1 as commune_count_2025,
        false as is_split
    from new_communes
    left join new_villages on new_communes.commune_code = new_villages.new_commune_code
),

unioned as (
    select * from old_rows
    union all
    select * from new_rows
),

final as (
    select
        unioned.admin_era || '-' || unioned.commune_code as commune_key,
        unioned.*
    from unioned
)

select * from final
