{#- Both programme regimes: phase I (2021–2025) projects and sub-projects, and the merged
    2026–2035 programme's components and contents, with the 2026–2035 code each phase I line moves
    to when it moves whole. -#}
with

programme as (
    select * from {{ ref('programme_phase1') }}
),

programme_2026 as (
    select * from {{ ref('programme_2026_2035') }}
),

crosswalk as (
    select * from {{ ref('programme_crosswalk') }}
),

whole_moves as (
    select
        phase1_code,
        programme_code_2026
    from crosswalk
    where share = 1
),

phase_1 as (
    select
        coalesce(programme.subproject_code, programme.project_code) as programme_code,
        programme.project_code,
        programme.subproject_code,
        programme.project_number,
        programme.subproject_number,
        programme.subproject_code is null as is_project,
        'phase_1_2021_2025' as programme_regime,
        programme.name_vi,
        whole_moves.programme_code_2026 as successor_code
    from programme
    left join whole_moves
        on coalesce(programme.subproject_code, programme.project_code) = whole_moves.phase1_code
),

merged as (
    select
        programme_code,
        coalesce(parent_code, programme_code) as project_code,
        case when parent_code is not null then programme_code end as subproject_code,
        component_number as project_number,
        content_number as subproject_number,
        parent_code is null as is_project,
        'merged_2026_2035' as programme_regime,
        name_vi,
        cast(null as varchar) as successor_code
    from programme_2026
),

final as (
    select * from phase_1
    union all
    select * from merged
)

select * from final
