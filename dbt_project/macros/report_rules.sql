{#- The rules by which the steering report's sheets count their cells, shared by the marts that
    sum the rows and by lineage_report_cells, which lists them (`mtqg explain`). -#}

{#- What a donor transaction counts in đồng for rpt_donor_mobilisation (rows of fct_donor_transactions,
    of relation `t` when given): its project's share, or, for an activity without project, its
    whole amount; null when no rate converts it. -#}
{% macro donor_counted_vnd(t=none) -%}
    {%- set c = t ~ '.' if t else '' -%}
    coalesce({{ c }}project_amount_vnd, case when {{ c }}project_code is null then {{ c }}amount_vnd end)
{%- endmacro %}

{#- The money columns of rpt_donor_mobilisation: each sums one transaction type. -#}
{% macro donor_mobilisation_measures() -%}
    {{ return([
        {'measure': 'committed_vnd', 'sum_as': 'committed_sum', 'transaction_type': 'commitment'},
        {'measure': 'disbursed_vnd', 'sum_as': 'disbursed_sum', 'transaction_type': 'disbursement'},
        {'measure': 'expenditure_vnd', 'sum_as': 'spent_sum', 'transaction_type': 'expenditure'},
    ]) }}
{%- endmacro %}

{#- One flagged column of rpt_beneficiary_review_by_province (`m`, of beneficiary_review_measures):
    its lines, or their money. -#}
{% macro beneficiary_review_sum(m) -%}
    {%- if m.is_money -%}
        cast(sum(case when {{ m.when }} then review.amount_vnd else 0 end) as bigint)
    {%- else -%}
        sum(case when {{ m.when }} then 1 else 0 end)
    {%- endif -%}
{%- endmacro %}

{#- The flagged columns of rpt_beneficiary_review_by_province (relation `review`, rows of
    mart_beneficiary_review): lines counted when `when` holds, or their money (`is_money`). -#}
{% macro beneficiary_review_measures() -%}
    {{ return([
        {'measure': 'outside_area_lines', 'when': 'review.is_outside_programme_area', 'is_money': false},
        {'measure': 'outside_area_amount_vnd', 'when': 'review.is_outside_programme_area', 'is_money': true},
        {'measure': 'commune_not_found_lines', 'when': "review.commune_match != 'found'", 'is_money': false},
        {
            'measure': 'not_in_612_village_lines',
            'when': "review.commune_match = 'found' and not review.is_village_612",
            'is_money': false
        },
        {'measure': 'supported_twice_lines', 'when': 'review.is_supported_twice', 'is_money': false},
        {'measure': 'follow_up_lines', 'when': 'review.needs_follow_up', 'is_money': false},
    ]) }}
{%- endmacro %}

{#- The ministry's records mart_source_reconciliation compares a reported cell with (`reported`:
    one row per 2025 province × period × project with its `period_end_date`): the Treasury's
    payments of the province and project in the period's year up to its end, and the annual plans
    of the province and project for that year. One row per reported cell × comparison × record,
    with the record's source. -#}
{% macro reconciliation_references(reported, treasury, plans) -%}
    {#- a payment counts from its month's start; a plan for the whole year (from its first day) -#}
    {%- for relation, comparison, year, since in [
        (treasury, 'disbursed_vs_treasury', 'disbursement_year', treasury ~ '.month_start_date'),
        (plans, 'planned_vs_capital_plan', 'plan_year', 'make_date(' ~ plans ~ '.plan_year, 1, 1)')
    ] %}
        select
            {{ reported }}.province_code,
            {{ reported }}.period,
            {{ reported }}.project_code,
            '{{ comparison }}' as comparison,
            {{ relation }}.amount_vnd,
            {{ relation }}.batch_id,
            {{ relation }}.source_file_sha256,
            {{ relation }}.source_page,
            {{ relation }}.source_record_id,
            {{ relation }}.subproject_code,
            {{ relation }}.budget_source,
            {{ relation }}.capital_type,
            {{ relation }}.province_code_as_reported,
            {{ relation }}.admin_era
        from {{ reported }}
        inner join {{ relation }}
            on
                {{ reported }}.province_code = {{ relation }}.province_code
                and {{ reported }}.project_code = {{ relation }}.project_code
                and extract(year from {{ reported }}.period_end_date) = {{ relation }}.{{ year }}
                and {{ since }} <= {{ reported }}.period_end_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The plans mart_allocation_norms counts as actually given under a decision (`plans`, rows of
    fct_capital_plan; `decisions`: one row per decision with its first and last year): the
    annual plans of central capital of its years. -#}
{% macro norm_decision_plans(plans, decisions) -%}
    select
        {{ decisions }}.decision_code,
        {{ plans }}.*
    from {{ plans }}
    inner join {{ decisions }}
        on {{ plans }}.plan_year between {{ decisions }}.first_year and {{ decisions }}.last_year
    where {{ plans }}.plan_kind = 'annual' and {{ plans }}.budget_source = 'central'
{%- endmacro %}

{#- The report rows of each submission that say what it publishes for a reporting unit and
    period (`facts`, rows of int_provincial_progress_unpivoted): those of its last report of the
    slice. Defines the CTEs `<name>_last` and `<name>`; int_restatement_submission_leaves sums
    them per leaf, lineage_report_cells lists them for fct_progress_restatements. -#}
{% macro submission_report_rows(facts, name) -%}
    {{ name }}_last as (
        select
            batch_id,
            admin_era,
            province_code_as_reported,
            period,
            max(report_index) as report_index
        from {{ facts }}
        group by batch_id, admin_era, province_code_as_reported, period
    ),

    {{ name }} as (
        select {{ facts }}.*
        from {{ facts }}
        inner join {{ name }}_last
            on
                {{ facts }}.batch_id = {{ name }}_last.batch_id
                and {{ facts }}.admin_era = {{ name }}_last.admin_era
                and {{ facts }}.province_code_as_reported = {{ name }}_last.province_code_as_reported
                and {{ facts }}.period = {{ name }}_last.period
                and {{ facts }}.report_index = {{ name }}_last.report_index
    )
{%- endmacro %}

{#- What keys a restated leaf in lineage_report_cells beyond its 2025 province, period and line
    (`r`, rows of fct_progress_restatements): the restating batch, the unit as reported, the
    measure restated, the budget source and the capital type. -#}
{% macro restatement_cell_key(r) -%}
    {{ r }}.new_batch_id || '|' || {{ r }}.province_code_as_reported || '|' || {{ r }}.measure
    || '|' || coalesce({{ r }}.budget_source, '') || '|' || coalesce({{ r }}.capital_type, '')
{%- endmacro %}
