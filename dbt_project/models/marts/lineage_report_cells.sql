{#- Every figure the reports add up, expanded to the source rows it sums: one row per mart fact ×
    report measure it counts in, keyed by the cell (report, 2025 province, period, `cell_code`,
    measure; province and code null where the report has none) and carrying its source — the
    file's sha256 with sheet and row, or the landed page's sha256 with the record id — and its
    batch. The sum of `amount_vnd` over a cell's rows is the cell. `mtqg explain` reads this model.
    Each report measure is one row of a `measures` list below, saying which amount it sums and how
    the report keys its cells. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

plans as (
    select * from {{ ref('fct_capital_plan') }}
    where plan_kind = 'annual'
),

treasury as (
    select * from {{ ref('fct_disbursement') }}
),

donors as (
    select * from {{ ref('fct_donor_transactions') }}
    where project_code is not null
),

beneficiaries as (
    select * from {{ ref('fct_beneficiary_support') }}
),

-- each report row with the year it counts in (mart_programme_progress's rule, the same macro)
{{ progress_in_year('progress', 'progress_years') }},

-- the reporting periods of the national summary, with their year
report_periods as (
    select
        period,
        cast(extract(year from max(period_end_date)) as integer) as period_year
    from progress
    group by period
),

-- the ministry's records a report sums: annual capital plans and treasury payments, by year
ministry as (
    {%- for relation, record_kind, year in [
        ('plans', 'plan', 'plan_year'), ('treasury', 'treasury', 'disbursement_year')
    ] %}
        select
            '{{ record_kind }}' as record_kind,
            {{ year }} as record_year,
            amount_vnd,
            province_code,
            project_code,
            subproject_code,
            budget_source,
            capital_type,
            province_code_as_reported,
            admin_era,
            batch_id,
            source_file_sha256,
            source_page,
            source_record_id
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- The measures of the reports that sum provincial report rows: the amount summed (`amount_of`),
-- the budget source it is limited to, whether cells are per province, what code keys them
-- (`project`, `line` = sub-project or else project, `none`) and which period they are in
-- (`period` the row's own, `year` its year when it is the reporting unit's latest report of the
-- year, `next_year` the same period a year later: the summary's previous-year columns).
progress_measures as (
    select measures.* from (
        values
        ('rpt_progress_by_province', 'planned_vnd', 'planned', null, true, 'project', 'period'),
        ('rpt_progress_by_province', 'disbursed_vnd', 'disbursed', null, true, 'project', 'period'),
        (
            'rpt_progress_by_province', 'disbursed_in_period_vnd', 'disbursed_in_period', null, true,
            'project', 'period'
        ),
        (
            'rpt_progress_by_province', 'planned_central_vnd', 'planned', 'central', true, 'project',
            'period'
        ),
        (
            'rpt_progress_by_province', 'planned_local_vnd', 'planned', 'local', true, 'project',
            'period'
        ),
        ('rpt_progress_by_province_period', 'allocation_vnd', 'planned', null, true, 'none', 'period'),
        ('rpt_progress_by_province_period', 'disbursed_vnd', 'disbursed', null, true, 'none', 'period'),
        ('rpt_progress_by_subproject', 'allocation_vnd', 'planned', null, false, 'line', 'period'),
        ('rpt_progress_by_subproject', 'disbursed_vnd', 'disbursed', null, false, 'line', 'period'),
        ('rpt_national_summary', 'allocation_vnd', 'planned', null, false, 'none', 'period'),
        ('rpt_national_summary', 'allocation_central_vnd', 'planned', 'central', false, 'none', 'period'),
        ('rpt_national_summary', 'disbursed_vnd', 'disbursed', null, false, 'none', 'period'),
        (
            'rpt_national_summary', 'previous_year_allocation_vnd', 'planned', null, false, 'none',
            'next_year'
        ),
        (
            'rpt_national_summary', 'previous_year_disbursed_vnd', 'disbursed', null, false, 'none',
            'next_year'
        ),
        ('mart_programme_progress', 'allocation_vnd', 'planned', null, true, 'project', 'year'),
        (
            'mart_programme_progress', 'disbursed_reported_vnd', 'disbursed', null, true, 'project',
            'year'
        )
    ) as measures (report, measure, amount_of, budget_source, is_by_province, code_of, period_of)
),

-- The measures that sum the ministry's records: `per_period` spreads a year's plan over every
-- reporting period of that year (the national summary), otherwise the cell is the year.
ministry_measures as (
    select measures.* from (
        values
        ('mart_programme_progress', 'plan_vnd', 'plan', null, false),
        ('mart_programme_progress', 'plan_central_vnd', 'plan', 'central', false),
        ('mart_programme_progress', 'disbursed_treasury_vnd', 'treasury', null, false),
        ('rpt_national_summary', 'plan_vnd', 'plan', null, true)
    ) as measures (report, measure, record_kind, budget_source, is_per_period)
),

progress_cells as (
    select
        progress_measures.report,
        case when progress_measures.is_by_province then progress_years.province_code end
            as province_code,
        case progress_measures.period_of
            when 'period' then progress_years.period
            when 'year' then cast(progress_years.progress_year as varchar)
            when 'next_year' then later.period
        end as period,
        case progress_measures.code_of
            when 'project' then progress_years.project_code
            when 'line' then coalesce(progress_years.subproject_code, progress_years.project_code)
        end as cell_code,
        progress_years.project_code,
        progress_measures.measure,
        case progress_measures.amount_of
            when 'planned' then progress_years.planned_vnd
            when 'disbursed' then progress_years.disbursed_vnd
            when 'disbursed_in_period' then progress_years.disbursed_in_period_vnd
        end as amount_vnd,
        'provincial_report' as source_kind,
        progress_years.batch_id,
        progress_years.source_file_sha256,
        progress_years.source_sheet,
        progress_years.source_row,
        cast(null as varchar) as source_record_id,
        progress_years.subproject_code,
        progress_years.budget_source,
        progress_years.capital_type,
        progress_years.province_code_as_reported,
        progress_years.admin_era
    from progress_years
    inner join progress_measures
        on
            progress_measures.budget_source is null
            or progress_years.budget_source = progress_measures.budget_source
    left join report_periods as later
        on
            progress_measures.period_of = 'next_year'
            and progress_years.progress_year + 1 = later.period_year
            and substr(progress_years.period, 5) = substr(later.period, 5)
    where
        (progress_measures.period_of != 'year' or progress_years.is_counted_in_year)
        and (progress_measures.period_of != 'next_year' or later.period is not null)
),

ministry_cells as (
    select
        ministry_measures.report,
        case when not ministry_measures.is_per_period then ministry.province_code end
            as province_code,
        case
            when ministry_measures.is_per_period then report_periods.period
            else cast(ministry.record_year as varchar)
        end as period,
        case when not ministry_measures.is_per_period then ministry.project_code end as cell_code,
        ministry.project_code,
        ministry_measures.measure,
        ministry.amount_vnd,
        'ministry_api' as source_kind,
        ministry.batch_id,
        ministry.source_file_sha256,
        cast(null as varchar) as source_sheet,
        ministry.source_page as source_row,
        ministry.source_record_id,
        ministry.subproject_code,
        ministry.budget_source,
        ministry.capital_type,
        ministry.province_code_as_reported,
        ministry.admin_era
    from ministry
    inner join ministry_measures
        on
            ministry.record_kind = ministry_measures.record_kind
            and (
                ministry_measures.budget_source is null
                or ministry.budget_source = ministry_measures.budget_source
            )
    left join report_periods
        on
            ministry_measures.is_per_period
            and ministry.record_year = report_periods.period_year
    where not ministry_measures.is_per_period or report_periods.period is not null
),

unioned as (
    select * from progress_cells
    union all
    select * from ministry_cells
    union all
    select
        'fct_donor_transactions' as report,
        cast(null as varchar) as province_code,
        cast(extract(year from transaction_date) as varchar) as period,
        project_code as cell_code,
        project_code,
        transaction_type || '_project_amount_vnd' as measure,
        project_amount_vnd as amount_vnd,
        channel as source_kind,
        batch_id,
        source_file_sha256,
        cast(null as varchar) as source_sheet,
        source_record_index as source_row,
        iati_identifier as source_record_id,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as admin_era
    from donors
    union all
    select
        'fct_beneficiary_support' as report,
        province_code,
        cast(support_year as varchar) as period,
        cast(null as varchar) as cell_code,
        cast(null as varchar) as project_code,
        'support_amount_vnd' as measure,
        amount_vnd,
        'provincial_report' as source_kind,
        batch_id,
        source_file_sha256,
        source_sheet,
        source_row,
        cast(null as varchar) as source_record_id,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        province_code_as_reported,
        admin_era
    from beneficiaries
),

-- the cells of the steering report's other sheets (one ephemeral model each; a beneficiary
-- line's pseudonym stays in mart_beneficiary_review, never published): `cell_key` keys
-- a cell beyond province × period × code (the donor, the comparison, the decision, the restated
-- leaf); counts are in `counted` (1 counted, 0 listed but counted at another row), points in
-- `points`; a figure computed rather than summed has `source_kind` 'computed' and its
-- `derivation`
sheet_cells as (
    {%- for sheet in ['donor', 'review', 'reconciliation', 'norm', 'restatement'] %}
        select * from {{ ref('lineage_' ~ sheet ~ '_cells') }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- every row of every cell, in one shape: the sheets' rows also carry the cell beyond their
-- source (`cell_suffix`: a row counts once per cell of a sheet)
cells as (
    select
        report,
        province_code,
        period,
        cell_code,
        cast(null as varchar) as cell_key,
        project_code,
        measure,
        amount_vnd,
        cast(null as integer) as counted,
        cast(null as numeric(38, 6)) as points,
        source_kind,
        batch_id,
        cast(null as varchar) as source_name,
        source_file_sha256,
        source_sheet,
        source_row,
        source_record_id,
        cast(null as varchar) as derivation,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era,
        cast(null as varchar) as cell_suffix
    from unioned
    union all
    select
        report,
        province_code,
        period,
        cell_code,
        cell_key,
        project_code,
        measure,
        amount_vnd,
        counted,
        points,
        source_kind,
        batch_id,
        source_name,
        source_file_sha256,
        source_sheet,
        source_row,
        source_record_id,
        derivation,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era,
        '|' || coalesce(province_code, '') || '|' || coalesce(cell_code, '') || '|'
        || coalesce(cell_key, '') as cell_suffix
    from sheet_cells
),

final as (
    select
        cells.report,
        cells.province_code,
        cells.period,
        cells.cell_code,
        cells.cell_key,
        cells.project_code,
        cells.measure,
        cast(cells.amount_vnd as bigint) as amount_vnd,
        cells.counted,
        cells.points,
        cells.source_kind,
        cells.batch_id,
        coalesce(batches.original_name, cells.source_name) as source_name,
        batches.loaded_at as batch_loaded_at,
        cells.source_file_sha256,
        cells.source_sheet,
        cells.source_row,
        cells.source_record_id,
        cells.derivation,
        cells.subproject_code,
        cells.budget_source,
        cells.capital_type,
        cells.province_code_as_reported,
        cells.admin_era,
        -- one source row of one measure counted for one project (a donor transaction mapped to
        -- two projects is two rows) and, in the sheets, for one cell: the key a split across
        -- 2026–2035 codes apportions by
        coalesce(cells.batch_id, '') || '|' || coalesce(cells.project_code, '')
        || '|' || coalesce(cells.source_file_sha256, '')
        || '|' || coalesce(cells.source_sheet, '')
        || '|' || coalesce(cast(cells.source_row as varchar), '')
        || '|' || coalesce(cells.source_record_id, '')
        || '|' || coalesce(cells.budget_source, '')
        || '|' || coalesce(cells.capital_type, '')
        || coalesce(cells.cell_suffix, '') as source_key
    from cells
    left join {{ ref('stg_raw__batches') }} as batches on cells.batch_id = batches.batch_id
)

select * from final
