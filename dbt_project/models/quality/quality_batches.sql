{#- Every batch with its gate outcome and, for provincial reports, which provinces and periods it
    carried: the list the quality page and the officers read. -#}
with

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

reports as (
    select distinct
        batch_id,
        province_name,
        province_code_2025,
        period
    from {{ ref('stg_provincial__report_lines') }}
),

reports_per_batch as (
    select
        batch_id,
        string_agg(province_name || ' (' || province_code_2025 || ')', ', ') as province_name,
        string_agg(distinct period, ', ') as period
    from reports
    group by batch_id
),

final as (
    select
        batch_status.batch_id,
        batch_status.source,
        batch_status.dataset,
        batch_status.original_name,
        reports_per_batch.province_name,
        reports_per_batch.period,
        batch_status.status,
        batch_status.reasons,
        batch_status.row_count,
        batch_status.fact_count,
        batch_status.warning_count,
        batch_status.loaded_at,
        batch_status.gated_at
    from batch_status
    left join reports_per_batch on batch_status.batch_id = reports_per_batch.batch_id
)

select * from final
