{#- Robust z-scores (median and MAD) of each province's figures against its own history:
    plan and disbursement per province × project × period. A warning, never a block. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

figures as (
    select
        province_code,
        project_code,
        period,
        'planned_vnd' as measure,
        cast(sum(planned_vnd) as double precision) as measure_value
    from progress
    group by province_code, project_code, period
    union all
    select
        province_code,
        project_code,
        period,
        'disbursed_vnd' as measure,
        cast(sum(disbursed_vnd) as double precision) as measure_value
    from progress
    group by province_code, project_code, period
),

medians as (
    select
        province_code,
        project_code,
        measure,
        count(*) as history_length,
        percentile_cont(0.5) within group (order by measure_value) as median_value
    from figures
    group by province_code, project_code, measure
),

deviations as (
    select
        figures.*,
        medians.history_length,
        medians.median_value,
        abs(figures.measure_value - medians.median_value) as absolute_deviation
    from figures
    inner join medians
        on
            figures.province_code = medians.province_code
            and figures.project_code = medians.project_code
            and figures.measure = medians.measure
),

mads as (
    select
        province_code,
        project_code,
        measure,
        percentile_cont(0.5) within group (order by absolute_deviation) as mad_value
    from deviations
    group by province_code, project_code, measure
),

scored as (
    select
        deviations.province_code,
        deviations.project_code,
        deviations.period,
        deviations.measure,
        deviations.measure_value,
        deviations.median_value,
        mads.mad_value,
        deviations.history_length,
        case
            when mads.mad_value > 0
                then 0.6745 * (deviations.measure_value - deviations.median_value) / mads.mad_value
        end as robust_z
    from deviations
    inner join mads
        on
            deviations.province_code = mads.province_code
            and deviations.project_code = mads.project_code
            and deviations.measure = mads.measure
),

final as (
    select
        scored.*,
        coalesce(scored.history_length >= 4 and abs(scored.robust_z) > 3.5, false) as is_outlier
    from scored
)

select * from final
