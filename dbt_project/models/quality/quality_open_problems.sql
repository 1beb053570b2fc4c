{#- Problems that still need someone to act: quarantined batches not superseded by a later
    accepted submission for the same province × period — or, for batches that carry no
    province × period (ministry pulls, donor files and Datastore answers, reference files), by a
    later accepted batch of the same source and dataset (for donor files: the same file).
    Unreadable files stay open until a person deals with them. -#}
with

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

batch_reports as (
    select distinct
        batch_id,
        form,
        admin_era,
        province_code_as_reported,
        province_code_2025,
        period
    from {{ ref('stg_provincial__report_lines') }}
),

submissions as (
    select
        batch_status.batch_id,
        batch_status.status,
        batch_status.loaded_at,
        batch_status.original_name,
        batch_status.dataset,
        batch_status.reasons,
        batch_status.source,
        batches.source_kind,
        coalesce(
            batches.source_kind in ('ministry_api', 'iati_files', 'iati_datastore', 'reference'),
            false
        ) as is_whole_source_batch,
        batch_reports.form,
        batch_reports.admin_era,
        batch_reports.province_code_as_reported,
        batch_reports.province_code_2025,
        batch_reports.period
    from batch_status
    left join {{ ref('stg_raw__batches') }} as batches on batch_status.batch_id = batches.batch_id
    left join batch_reports on batch_status.batch_id = batch_reports.batch_id
),

quarantined as (
    select * from submissions
    where status = 'quarantined'
),

accepted as (
    select * from submissions
    where status = 'accepted'
),

final as (
    select
        quarantined.batch_id,
        quarantined.original_name,
        quarantined.dataset,
        quarantined.admin_era,
        quarantined.province_code_as_reported,
        quarantined.province_code_2025 as province_code,
        quarantined.period,
        quarantined.reasons,
        quarantined.loaded_at
    from quarantined
    where not exists (
        select 1
        from accepted
        where
            accepted.admin_era = quarantined.admin_era
            and accepted.province_code_as_reported = quarantined.province_code_as_reported
            and accepted.period = quarantined.period
            and accepted.loaded_at > quarantined.loaded_at
    )
    and not exists (
        select 1
        from accepted
        where
            quarantined.is_whole_source_batch
            and accepted.source = quarantined.source
            and accepted.dataset = quarantined.dataset
            and (
                quarantined.source_kind != 'iati_files'
                or accepted.original_name = quarantined.original_name
            )
            and accepted.loaded_at > quarantined.loaded_at
    )
)

select * from final
