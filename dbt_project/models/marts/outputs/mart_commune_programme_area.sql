{#- Each commune of both eras with its place in the programme's areas: the Decision 861 region of
    a pre-2025 commune as listed, and of a 2025 commune the highest region of the old communes it
    absorbed (any part of them), with folded name keys to match the names provinces write. -#}
with

communes as (
    select * from {{ ref('dim_commune') }}
),

crosswalk as (
    select * from {{ ref('int_communes_mapped_to_2025') }}
),

districts as (
    {{ latest_batch_only(ref('stg_reference__districts_pre2025')) }}
),

old_communes as (
    {{ latest_batch_only(ref('stg_reference__wards_pre2025')) }}
),

old_regions as (
    select
        commune_code,
        case region_861 when 'III' then 3 when 'II' then 2 when 'I' then 1 end as region_rank
    from communes
    where admin_era = '2008' and region_861 is not null
),

new_regions as (
    select
        crosswalk.new_commune_code,
        max(old_regions.region_rank) as region_rank,
        count(*) as old_communes_in_861
    from crosswalk
    inner join old_regions on crosswalk.old_commune_code = old_regions.commune_code
    group by crosswalk.new_commune_code
),

old_districts as (
    select
        old_communes.commune_code,
        districts.district_name
    from old_communes
    left join districts on old_communes.district_code = districts.district_code
),

final as (
    select
        communes.commune_key,
        communes.admin_era,
        communes.commune_code,
        communes.commune_name,
        communes.province_code,
        communes.province_code_2025,
        communes.commune_code_2025,
        {{ fold_commune_name('communes.commune_name') }} as commune_name_key,
        {{ fold_district_name('old_districts.district_name') }} as district_name_key,
        case
            when communes.admin_era = '2008' then communes.region_861
            when new_regions.region_rank = 3 then 'III'
            when new_regions.region_rank = 2 then 'II'
            when new_regions.region_rank = 1 then 'I'
        end as region_861,
        case
            when communes.admin_era = '2008' then 'listed'
            when new_regions.region_rank is not null then 'highest_of_absorbed_communes'
        end as region_basis,
        (communes.admin_era = '2008' and communes.region_861 is not null)
        or (communes.admin_era = '2025' and new_regions.region_rank is not null) as is_in_programme_area,
        communes.village_count_612
    from communes
    left join new_regions
        on
            communes.admin_era = '2025'
            and communes.commune_code = new_regions.new_commune_code
    left join old_districts
        on
            communes.admin_era = '2008'
            and communes.commune_code = old_districts.commune_code
)

select * from final
