{#- Each 2025 province's normative points and share of central capital under each allocation
    decision, against the central capital actually planned for it (annual plans of the
    decision's years, fct_capital_plan): normative vs actual share and amount, the difference and
    both ranks. Normative amounts are the actual national total (and the decision's envelope,
    when it states one) shared out by the normative shares in whole đồng that add up exactly.
    `missing_inputs` names the criteria the warehouse cannot measure yet: the points are then a
    lower bound and the shares provisional (is_complete = false). -#}
with

points as (
    select * from {{ ref('mart_allocation_norm_points') }}
),

decisions as (
    select
        decision_code,
        max(decision_title_vi) as decision_title_vi,
        max(decision_title_en) as decision_title_en,
        max(decision_no) as decision_no,
        max(first_year) as first_year,
        max(last_year) as last_year,
        bool_and(is_confirmed) as is_confirmed,
        bool_or(is_illustrative) as is_illustrative,
        max(source_reference) as source_reference,
        max(central_capital_vnd) as central_capital_vnd,
        max(source_file) as source_file
    from {{ ref('allocation_norm_criteria') }}
    group by decision_code
),

plans as (
    select * from {{ ref('fct_capital_plan') }}
),

province_points as (
    select
        decision_code,
        province_code,
        max(province_name) as province_name,
        sum(points) as normative_points,
        string_agg(
            case when not is_input_in_warehouse and coefficient > 0 then criterion end,
            ', ' order by criterion
        ) as missing_inputs
    from points
    group by decision_code, province_code
),

-- the plans counted under each decision (the rule lineage_report_cells lists)
decision_plans as (
    {{ norm_decision_plans('plans', 'decisions') }}
),

actual as (
    select
        decision_code,
        province_code,
        sum(amount_vnd) as actual_central_plan_vnd
    from decision_plans
    group by decision_code, province_code
),

shares as (
    select
        province_points.*,
        decisions.decision_title_vi,
        decisions.decision_title_en,
        decisions.decision_no,
        decisions.first_year,
        decisions.last_year,
        decisions.is_confirmed,
        decisions.is_illustrative,
        decisions.source_reference,
        decisions.source_file,
        cast(decisions.central_capital_vnd as bigint) as central_capital_vnd,
        cast(coalesce(actual.actual_central_plan_vnd, 0) as bigint) as actual_central_plan_vnd,
        sum(province_points.normative_points)
            over (partition by province_points.decision_code) as total_points,
        cast(
            sum(coalesce(actual.actual_central_plan_vnd, 0))
                over (partition by province_points.decision_code)
            as bigint
        ) as national_actual_vnd
    from province_points
    inner join decisions on province_points.decision_code = decisions.decision_code
    left join actual
        on
            province_points.decision_code = actual.decision_code
            and province_points.province_code = actual.province_code
),

ratios as (
    select
        shares.*,
        case
            when shares.total_points > 0
                then cast(shares.normative_points / shares.total_points as numeric(38, 18))
        end as normative_share,
        case
            when shares.national_actual_vnd > 0
                then cast(
                    1.0 * shares.actual_central_plan_vnd / shares.national_actual_vnd
                    as numeric(38, 18)
                )
        end as actual_share
    from shares
),

amounts as (
    select
        ratios.*,
        {{ apportion_integer(
            'ratios.national_actual_vnd', 'ratios.normative_share', 'ratios.decision_code',
            'ratios.province_code'
        ) }} as normative_of_actual_vnd
    from ratios
),

final as (
    select
        decision_code,
        decision_title_vi,
        decision_title_en,
        decision_no,
        first_year,
        last_year,
        is_confirmed,
        is_illustrative,
        source_reference,
        source_file,
        province_code,
        province_name,
        normative_points,
        normative_share,
        actual_share,
        actual_central_plan_vnd,
        national_actual_vnd,
        normative_of_actual_vnd,
        actual_central_plan_vnd - normative_of_actual_vnd as difference_vnd,
        central_capital_vnd as decision_envelope_vnd,
        {{ apportion_integer(
            'central_capital_vnd', 'normative_share', 'decision_code', 'province_code'
        ) }} as normative_of_envelope_vnd,
        rank() over (partition by decision_code order by normative_points desc) as normative_rank,
        case
            when national_actual_vnd > 0
                then rank() over (partition by decision_code order by actual_central_plan_vnd desc)
        end as actual_rank,
        missing_inputs,
        missing_inputs is null as is_complete
    from amounts
)

select * from final
