{#- Normative points of each 2025 province under each allocation decision (norms/*.yaml, compiled
    into the allocation_norm_criteria seed), one row per decision × province × criterion.

    A 2025 commune takes the highest Decision 861 region of the old communes it absorbed (any part
    of them); communes of one criterion group (commune_class) count once, at the highest
    coefficient they qualify for. Villages (Decision 612) are those carried across the reform by
    int_commune_villages_apportioned; population and area come from the 2025 reference file.
    A criterion whose input the warehouse does not hold has a null measure and no points, and
    says so (is_input_in_warehouse = false): nothing is guessed. -#}
with

criteria as (
    select * from {{ ref('allocation_norm_criteria') }}
),

provinces as (
    select
        province_code,
        province_name
    from {{ ref('dim_province') }}
    where admin_era = '2025'
),

areas as (
    select * from {{ ref('mart_commune_programme_area') }}
),

area_population as (
    {{ latest_batch_only(ref('stg_reference__wards_2025_area_population')) }}
),

new_communes as (
    select
        commune_code,
        province_code_2025 as province_code,
        village_count_612,
        case region_861
            when 'III' then 'commune_region_iii'
            when 'II' then 'commune_region_ii'
            when 'I' then 'commune_region_i'
            else 'commune_other'
        end as commune_class
    from areas
    where admin_era = '2025'
),

-- Each commune once per decision, at the highest coefficient among the classes it qualifies for.
commune_points as (
    select
        criteria.decision_code,
        new_communes.province_code,
        new_communes.commune_code,
        criteria.criterion,
        criteria.coefficient,
        row_number() over (
            partition by criteria.decision_code, criteria.criterion_group, new_communes.commune_code
            order by criteria.coefficient desc, criteria.criterion asc
        ) as coefficient_rank
    from new_communes
    inner join criteria
        on
            new_communes.commune_class = criteria.criterion
            and criteria.criterion_group = 'commune_class'
),

commune_totals as (
    select
        decision_code,
        province_code,
        criterion,
        count(*) as measure_value,
        sum(coefficient) as points
    from commune_points
    where coefficient_rank = 1
    group by decision_code, province_code, criterion
),

commune_class_counts as (
    select
        province_code,
        commune_class as criterion,
        count(*) as measure_value
    from new_communes
    group by province_code, commune_class
),

other_measures as (
    select
        province_code,
        'extremely_difficult_village' as criterion,
        cast(sum(village_count_612) as numeric(38, 4)) as measure_value
    from new_communes
    group by province_code
    union all
    select
        province_code_2025 as province_code,
        'population' as criterion,
        cast(sum(population) as numeric(38, 4)) as measure_value
    from area_population
    group by province_code_2025
    union all
    select
        province_code_2025 as province_code,
        'area_km2' as criterion,
        cast(sum(area_km2) as numeric(38, 4)) as measure_value
    from area_population
    group by province_code_2025
),

spine as (
    select
        criteria.*,
        provinces.province_code,
        provinces.province_name
    from criteria
    cross join provinces
),

final as (
    select
        spine.decision_code,
        spine.province_code,
        spine.province_name,
        spine.criterion,
        spine.criterion_group,
        spine.unit_vi,
        spine.unit_en,
        spine.coefficient,
        spine.per_units,
        spine.is_input_in_warehouse,
        case
            when not spine.is_input_in_warehouse then null
            when spine.criterion_group = 'commune_class'
                then cast(coalesce(commune_class_counts.measure_value, 0) as numeric(38, 4))
            else coalesce(other_measures.measure_value, 0)
        end as measure_value,
        -- communes of a class counted at this criterion's coefficient (a commune counted under a
        -- higher one of its group is not counted here)
        cast(coalesce(commune_totals.measure_value, 0) as integer) as communes_counted,
        cast(
            case
                when not spine.is_input_in_warehouse then 0
                when spine.criterion_group = 'commune_class' then coalesce(commune_totals.points, 0)
                else coalesce(other_measures.measure_value, 0) * spine.coefficient / spine.per_units
            end as numeric(38, 6)
        ) as points,
        spine.source_file,
        spine.source_line
    from spine
    left join commune_totals
        on
            spine.decision_code = commune_totals.decision_code
            and spine.province_code = commune_totals.province_code
            and spine.criterion = commune_totals.criterion
    left join commune_class_counts
        on
            spine.province_code = commune_class_counts.province_code
            and spine.criterion = commune_class_counts.criterion
    left join other_measures
        on
            spine.province_code = other_measures.province_code
            and spine.criterion = other_measures.criterion
)

select * from final
