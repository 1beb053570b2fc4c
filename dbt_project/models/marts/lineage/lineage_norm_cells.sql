{{ config(materialized='ephemeral') }}
{#- Lineage of the steering report's sheet mart_allocation_norms (part of lineage_report_cells,
    which documents the columns): the central annual
    plans of a decision's years (norm_decision_plans, the same macro) per decision (`cell_key`) ×
    province, and the national total; the points one row per criterion (computed from the seed
    and the warehouse's counts); the normative amounts computed from the shares. -#}
with

plans as (
    select * from {{ ref('fct_capital_plan') }}
),

norms as (
    select * from {{ ref('mart_allocation_norms') }}
),

norm_points as (
    select * from {{ ref('mart_allocation_norm_points') }}
),

-- the decisions' years, as the mart states them
norm_decisions as (
    select distinct
        decision_code,
        first_year,
        last_year
    from norms
),

norm_plans as (
    {{ norm_decision_plans('plans', 'norm_decisions') }}
),

-- a decision's plans of the provinces the mart lists: each one's own, and the national total
norm_plan_rows as (
    select
        norm_plans.*,
        measures.measure,
        case when measures.measure != 'national_actual_vnd' then norm_plans.province_code end
            as cell_province_code
    from norm_plans
    inner join norms
        on
            norm_plans.decision_code = norms.decision_code
            and norm_plans.province_code = norms.province_code
    cross join (values ('actual_central_plan_vnd'), ('national_actual_vnd'), ('difference_vnd'))
        as measures (measure)
    -- no difference without a normative amount (the mart's difference is then null)
    where measures.measure != 'difference_vnd' or norms.normative_of_actual_vnd is not null
),

norm_computed as (
    select
        norms.decision_code,
        norms.province_code,
        computed.measure,
        case computed.measure
            when 'normative_of_actual_vnd' then norms.normative_of_actual_vnd
            when 'difference_vnd' then -norms.normative_of_actual_vnd
            when 'decision_envelope_vnd' then norms.decision_envelope_vnd
            when 'normative_of_envelope_vnd' then norms.normative_of_envelope_vnd
        end as amount_vnd,
        case when computed.measure = 'decision_envelope_vnd' then 'seed' else 'computed' end
            as source_kind,
        case computed.measure
            when 'normative_of_actual_vnd'
                then
                    'national_actual_vnd ' || norms.national_actual_vnd || ' × normative_share '
                    || coalesce(cast(norms.normative_share as varchar), 'null')
                    || ' (normative_points / the decision''s total points), whole đồng by largest remainder'
            when 'difference_vnd'
                then 'less normative_of_actual_vnd (computed from the normative share)'
            when 'decision_envelope_vnd'
                then
                    'central_capital_vnd of ' || norms.decision_code
                    || ' in seed allocation_norm_criteria (' || coalesce(norms.source_file, '') || ')'
            when 'normative_of_envelope_vnd'
                then
                    'decision_envelope_vnd '
                    || coalesce(cast(norms.decision_envelope_vnd as varchar), 'null')
                    || ' × normative_share ' || coalesce(cast(norms.normative_share as varchar), 'null')
                    || ', whole đồng by largest remainder'
        end as derivation
    from norms
    cross join (
        values
        ('normative_of_actual_vnd'), ('difference_vnd'), ('decision_envelope_vnd'),
        ('normative_of_envelope_vnd')
    ) as computed (measure)
),

norm_cells as (
    select
        'mart_allocation_norms' as report,
        cell_province_code as province_code,
        cast(null as varchar) as period,
        cast(null as varchar) as cell_code,
        decision_code as cell_key,
        project_code,
        measure,
        amount_vnd,
        cast(null as integer) as counted,
        'ministry_api' as source_kind,
        batch_id,
        source_file_sha256,
        cast(null as varchar) as source_sheet,
        source_page as source_row,
        source_record_id,
        cast(null as varchar) as household_pseudonym,
        cast(null as varchar) as derivation,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era
    from norm_plan_rows
    union all
    select
        'mart_allocation_norms' as report,
        province_code,
        cast(null as varchar) as period,
        cast(null as varchar) as cell_code,
        decision_code as cell_key,
        cast(null as varchar) as project_code,
        measure,
        amount_vnd,
        cast(null as integer) as counted,
        source_kind,
        cast(null as varchar) as batch_id,
        cast(null as varchar) as source_file_sha256,
        cast(null as varchar) as source_sheet,
        cast(null as integer) as source_row,
        cast(null as varchar) as source_record_id,
        cast(null as varchar) as household_pseudonym,
        derivation,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as admin_era
    from norm_computed
    where amount_vnd is not null
),

-- the points of a decision × province: one row per criterion of mart_allocation_norm_points,
-- computed from the seed's coefficient (its file and line) and the warehouse's count
norm_point_cells as (
    select
        'mart_allocation_norms' as report,
        province_code,
        cast(null as varchar) as period,
        cast(null as varchar) as cell_code,
        decision_code as cell_key,
        'normative_points' as measure,
        'computed' as source_kind,
        source_file as source_name,
        source_line as source_row,
        criterion as source_record_id,
        points,
        criterion || ': ' || case
            when not is_input_in_warehouse then 'no input in the warehouse, no points'
            when criterion_group = 'commune_class'
                then
                    communes_counted || ' communes counted at coefficient ' || coefficient
                    || ' (of ' || measure_value || ' of the class; a commune counts once in its group)'
            else measure_value || ' × ' || coefficient || ' / ' || per_units
        end as derivation
    from norm_points
)

{{ lineage_cell_row('norm_cells') }}
union all
select
    report,
    province_code,
    period,
    cell_code,
    cell_key,
    cast(null as varchar) as project_code,
    measure,
    cast(null as bigint) as amount_vnd,
    cast(null as integer) as counted,
    points,
    source_kind,
    cast(null as varchar) as batch_id,
    source_name,
    cast(null as varchar) as source_file_sha256,
    cast(null as varchar) as source_sheet,
    source_row,
    source_record_id,
    cast(null as varchar) as household_pseudonym,
    derivation,
    cast(null as varchar) as subproject_code,
    cast(null as varchar) as budget_source,
    cast(null as varchar) as capital_type,
    cast(null as varchar) as province_code_as_reported,
    cast(null as varchar) as admin_era
from norm_point_cells
