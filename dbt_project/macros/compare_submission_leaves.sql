{#- Two submissions' leaves (rows of int_restatement_submission_leaves, each with a `pair` column
    saying which comparison it belongs to) side by side, leaf by leaf × measure: a leaf only one
    side has comes with the other side null. Output: `pair`, the leaf's key,
    `<old_as>_batch_id`, `<old_as>_value_vnd`, `<new_as>_value_vnd`. -#}
{% macro compare_submission_leaves(new, old, pair, new_as, old_as) -%}
    select
        coalesce({{ new }}.{{ pair }}, {{ old }}.{{ pair }}) as {{ pair }},
        coalesce({{ new }}.admin_era, {{ old }}.admin_era) as admin_era,
        coalesce({{ new }}.province_code_as_reported, {{ old }}.province_code_as_reported)
            as province_code_as_reported,
        coalesce({{ new }}.province_code, {{ old }}.province_code) as province_code,
        coalesce({{ new }}.period, {{ old }}.period) as period,
        coalesce({{ new }}.project_code, {{ old }}.project_code) as project_code,
        coalesce({{ new }}.subproject_code, {{ old }}.subproject_code) as subproject_code,
        coalesce({{ new }}.budget_source, {{ old }}.budget_source) as budget_source,
        coalesce({{ new }}.capital_type, {{ old }}.capital_type) as capital_type,
        coalesce({{ new }}.measure, {{ old }}.measure) as measure,
        {{ old }}.batch_id as {{ old_as }}_batch_id,
        {{ old }}.value_vnd as {{ old_as }}_value_vnd,
        {{ new }}.value_vnd as {{ new_as }}_value_vnd
    from {{ new }}
    full outer join {{ old }}
        on
            {{ new }}.{{ pair }} = {{ old }}.{{ pair }}
            and {{ new }}.admin_era = {{ old }}.admin_era
            and {{ new }}.province_code_as_reported = {{ old }}.province_code_as_reported
            and {{ new }}.period = {{ old }}.period
            and {{ new }}.project_code is not distinct from {{ old }}.project_code
            and {{ new }}.subproject_code is not distinct from {{ old }}.subproject_code
            and {{ new }}.budget_source is not distinct from {{ old }}.budget_source
            and {{ new }}.capital_type is not distinct from {{ old }}.capital_type
            and {{ new }}.measure = {{ old }}.measure
{%- endmacro %}
