with

programme as (
    select * from {{ ref('programme_phase1') }}
),

final as (
    select
        coalesce(subproject_code, project_code) as programme_code,
        project_code,
        subproject_code,
        project_number,
        subproject_number,
        subproject_code is null as is_project,
        'phase_1_2021_2025' as programme_regime,
        name_vi
    from programme
)

select * from final
