{{ config(materialized='ephemeral') }}
{#- Lineage of the steering report's sheet rpt_donor_mobilisation (part of lineage_report_cells,
    which documents the columns): each transaction in đồng
    as the sheet counts it (donor_counted_vnd, the same macro), keyed by donor (`cell_key`) and
    project, no period; an activity counted at its first transaction. -#}
with

all_donor_transactions as (
    select * from {{ ref('fct_donor_transactions') }}
),

donor_rows as (
    select
        all_donor_transactions.*,
        {{ donor_counted_vnd('all_donor_transactions') }} as counted_vnd,
        row_number() over (
            partition by
                all_donor_transactions.reporting_org_ref,
                all_donor_transactions.project_code,
                all_donor_transactions.iati_identifier
            order by
                all_donor_transactions.batch_id,
                all_donor_transactions.source_record_index,
                all_donor_transactions.transaction_type
        ) = 1 as is_first_of_activity
    from all_donor_transactions
),

donor_measures as (
    {%- for m in donor_mobilisation_measures() %}
        select
            '{{ m.measure }}' as measure,
            '{{ m.transaction_type }}' as transaction_type,
            false as is_count
        union all
    {%- endfor %}
    select
        'activities' as measure,
        cast(null as varchar) as transaction_type,
        true as is_count
    union all
    select
        'transactions_without_rate' as measure,
        cast(null as varchar) as transaction_type,
        true as is_count
),

donor_cells as (
    select
        'rpt_donor_mobilisation' as report,
        cast(null as varchar) as province_code,
        cast(null as varchar) as period,
        donor_rows.project_code as cell_code,
        donor_rows.reporting_org_ref as cell_key,
        donor_rows.project_code,
        donor_measures.measure,
        case when not donor_measures.is_count then donor_rows.counted_vnd end as amount_vnd,
        case donor_measures.measure
            when 'activities' then case when donor_rows.is_first_of_activity then 1 else 0 end
            when 'transactions_without_rate' then case when donor_rows.amount_vnd is null then 1 else 0 end
        end as counted,
        donor_rows.channel as source_kind,
        donor_rows.batch_id,
        donor_rows.source_file_sha256,
        cast(null as varchar) as source_sheet,
        donor_rows.source_record_index as source_row,
        donor_rows.iati_identifier as source_record_id,
        cast(null as varchar) as household_pseudonym,
        cast(null as varchar) as derivation,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as admin_era
    from donor_rows
    inner join donor_measures
        on
            donor_measures.measure = 'activities'
            or donor_rows.transaction_type = donor_measures.transaction_type
            or (donor_measures.measure = 'transactions_without_rate' and donor_rows.amount_vnd is null)
)

{{ lineage_cell_row('donor_cells') }}
