{#- The leaves (rows of int_restatement_submission_leaves, relation `leaves`) of the batch a
    report names in column `batch` of `reports` (one row per batch × reporting unit × period,
    with the comparison's key in column `pair`), the key as `pair`. -#}
{% macro submission_side(leaves, reports, batch, pair) -%}
    select
        {{ reports }}.{{ pair }} as pair,
        {{ leaves }}.*
    from {{ reports }}
    inner join {{ leaves }}
        on
            {{ reports }}.{{ batch }} = {{ leaves }}.batch_id
            and {{ reports }}.admin_era = {{ leaves }}.admin_era
            and {{ reports }}.province_code_as_reported = {{ leaves }}.province_code_as_reported
            and {{ reports }}.period = {{ leaves }}.period
{%- endmacro %}

{#- Two submissions' leaves side by side, leaf by leaf × measure, for every comparison: `new` and
    `old` are (reports relation, batch column) pairs for submission_side, `pair` the column of
    the comparison's key in both. A leaf only one side has comes with the other side null; a leaf
    whose figure is the same on both sides is left out. Output: `pair_as`, the leaf's key,
    `<old_as>_batch_id`, `<old_as>_value_vnd`, `<new_as>_value_vnd`, `change_vnd` (new less
    old) and `change_kind` (added, removed, changed). -#}
{% macro compare_submission_leaves(leaves, new, old, pair, pair_as, new_as, old_as) -%}
    select
        coalesce(new_side.pair, old_side.pair) as {{ pair_as }},
        coalesce(new_side.admin_era, old_side.admin_era) as admin_era,
        coalesce(new_side.province_code_as_reported, old_side.province_code_as_reported)
            as province_code_as_reported,
        coalesce(new_side.province_code, old_side.province_code) as province_code,
        coalesce(new_side.period, old_side.period) as period,
        coalesce(new_side.project_code, old_side.project_code) as project_code,
        coalesce(new_side.subproject_code, old_side.subproject_code) as subproject_code,
        coalesce(new_side.budget_source, old_side.budget_source) as budget_source,
        coalesce(new_side.capital_type, old_side.capital_type) as capital_type,
        coalesce(new_side.measure, old_side.measure) as measure,
        old_side.batch_id as {{ old_as }}_batch_id,
        old_side.value_vnd as {{ old_as }}_value_vnd,
        new_side.value_vnd as {{ new_as }}_value_vnd,
        cast(coalesce(new_side.value_vnd, 0) - coalesce(old_side.value_vnd, 0) as bigint)
            as change_vnd,
        case
            when old_side.value_vnd is null then 'added'
            when new_side.value_vnd is null then 'removed'
            else 'changed'
        end as change_kind
    from ({{ submission_side(leaves, new[0], new[1], pair) }}) as new_side
    full outer join ({{ submission_side(leaves, old[0], old[1], pair) }}) as old_side
        on
            new_side.pair = old_side.pair
            and new_side.admin_era = old_side.admin_era
            and new_side.province_code_as_reported = old_side.province_code_as_reported
            and new_side.period = old_side.period
            and new_side.project_code is not distinct from old_side.project_code
            and new_side.subproject_code is not distinct from old_side.subproject_code
            and new_side.budget_source is not distinct from old_side.budget_source
            and new_side.capital_type is not distinct from old_side.capital_type
            and new_side.measure = old_side.measure
    where coalesce(new_side.value_vnd, 0) <> coalesce(old_side.value_vnd, 0)
{%- endmacro %}
