{{ config(materialized='incremental', unique_key='batch_id', on_schema_change='append_new_columns') }}
{#- Leaf rows of provincial reports, one row per capital type, as the files say them: nothing
    here is read from a seed, so nothing here goes stale when reference data is corrected (the
    2025 province and the gate's flags are joined on in int_provincial_progress_unpivoted, a
    view). Subtotal rows never become facts. Grows by batch: a run adds only the batches it does
    not hold yet (a re-read batch needs `dbt build --full-refresh`). -#}
with

lines as (
    select * from {{ ref('stg_provincial__report_lines') }}
    where
        is_leaf
        {% if is_incremental() %}
            and batch_id not in (select distinct held.batch_id from {{ this }} as held)
        {% endif %}
),

by_capital_type as (
    -- Form 01 leaves carry both capital types (an empty cell is zero);
    -- a flat CSV row carries the one it names.
    select
        lines.*,
        'investment' as capital_type,
        coalesce(lines.planned_investment_vnd, 0) as planned_vnd,
        coalesce(lines.disbursed_investment_vnd, 0) as disbursed_vnd
    from lines
    where
        lines.form = 'form01'
        or lines.planned_investment_vnd is not null
        or lines.disbursed_investment_vnd is not null
    union all
    select
        lines.*,
        'recurrent' as capital_type,
        coalesce(lines.planned_recurrent_vnd, 0) as planned_vnd,
        coalesce(lines.disbursed_recurrent_vnd, 0) as disbursed_vnd
    from lines
    where
        lines.form = 'form01'
        or lines.planned_recurrent_vnd is not null
        or lines.disbursed_recurrent_vnd is not null
),

final as (
    select
        batch_id,
        source_file_sha256,
        report_index,
        form,
        source_sheet,
        source_row,
        province_code_2025 as province_code_2025_as_read,
        province_code_as_reported,
        admin_era,
        province_name,
        period,
        period_end_date,
        project_code,
        subproject_code,
        budget_source,
        capital_type,
        planned_vnd,
        disbursed_vnd
    from by_capital_type
)

select * from final
