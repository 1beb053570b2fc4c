{#- Everything that should reach a person now, one row per open finding: quarantined
    submissions not yet superseded (blocking), failed warnings of the submissions the marts
    use, held submissions of approved periods and cross-source differences over tolerance. The alert router diffs this set between runs (new, reminder, resolved). -#}
with

open_problems as (
    select * from {{ ref('quality_open_problems') }}
),

all_check_results as (
    select * from {{ ref('stg_quality__check_results') }}
),

last_evaluations as (
    select
        batch_id,
        max(evaluated_at) as evaluated_at
    from all_check_results
    group by batch_id
),

check_results as (
    -- a batch gated again (after a replay) counts by its latest evaluation only
    select all_check_results.*
    from all_check_results
    inner join last_evaluations
        on
            all_check_results.batch_id = last_evaluations.batch_id
            and all_check_results.evaluated_at = last_evaluations.evaluated_at
),

current_batches as (
    select distinct
        batch_id,
        admin_era,
        province_code_as_reported,
        province_code,
        period
    from {{ ref('fct_capital_progress') }}
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

quarantined_files as (
    -- one row per quarantined file of each open problem (a file carrying several reports of
    -- one province × period counts once); an unreadable file is a problem of its own
    select distinct
        'quarantine|' || coalesce(
            open_problems.admin_era || '-' || open_problems.province_code_as_reported
            || '|' || open_problems.period,
            open_problems.batch_id
        ) as finding_key,
        open_problems.batch_id,
        open_problems.province_code,
        open_problems.period,
        coalesce(open_problems.original_name, open_problems.batch_id) as source_name,
        coalesce(open_problems.reasons, '') as reasons,
        open_problems.loaded_at
    from open_problems
),

quarantined_ranked as (
    select
        quarantined_files.*,
        count(*) over (partition by quarantined_files.finding_key) as file_count,
        row_number() over (
            partition by quarantined_files.finding_key
            order by quarantined_files.loaded_at desc, quarantined_files.batch_id desc
        ) as recency
    from quarantined_files
),

quarantined_grouped as (
    select
        finding_key,
        max(province_code) as province_code,
        max(period) as period,
        max(file_count) as file_count,
        string_agg(source_name, ', ' order by loaded_at, batch_id) as source_name,
        string_agg('"' || source_name || '"', ', ' order by loaded_at, batch_id) as quoted_names,
        string_agg(
            case
                when file_count = 1 then reasons
                else '"' || source_name || '": ' || reasons
            end,
            '; ' order by loaded_at, batch_id
        ) as fixes,
        max(case when recency = 1 then batch_id end) as batch_id
    from quarantined_ranked
    group by finding_key
),

blocking as (
    -- One finding per province × period however many of its submissions were quarantined,
    -- naming each file and what to fix in it. The key does not change as files come and go,
    -- so the alert router reminds of an open problem instead of announcing a new one;
    -- `batch_id` is the latest quarantined file.
    select
        finding_key,
        'blocking' as severity,
        'gate' as check_name,
        province_code,
        cast(null as varchar) as project_code,
        period,
        source_name,
        case when file_count = 1 then 'Báo cáo ' else 'Các báo cáo ' end
        || quoted_names
        || ' bị cách ly, số liệu chưa được đưa vào tổng hợp. Cần khắc phục: '
        || fixes as message_vi,
        case when file_count = 1 then 'Report ' else 'Reports ' end
        || quoted_names
        || case
            when file_count = 1 then ' was quarantined; its figures are not in the reports.'
            else ' were quarantined; their figures are not in the reports.'
        end
        || ' To fix: '
        || fixes as message_en,
        batch_id
    from quarantined_grouped
),

warnings as (
    select
        'warning|' || current_batches.admin_era || '-' || current_batches.province_code_as_reported
        || '|' || current_batches.period || '|' || check_results.expectation_type || '|'
        || coalesce(check_results.column_name, '') as finding_key,
        'warning' as severity,
        check_results.expectation_type as check_name,
        current_batches.province_code,
        cast(null as varchar) as project_code,
        current_batches.period,
        coalesce(batch_status.original_name, check_results.batch_id) as source_name,
        check_results.message_vi || ' (' || check_results.unexpected_count || ' dòng)' as message_vi,
        check_results.message_en || ' (' || check_results.unexpected_count || ' rows)' as message_en,
        check_results.batch_id
    from check_results
    inner join current_batches on check_results.batch_id = current_batches.batch_id
    left join batch_status on check_results.batch_id = batch_status.batch_id
    where
        check_results.severity = 'warning'
        and not check_results.success
),

outliers as (
    select * from {{ ref('quality_outliers') }}
    where is_outlier
),

outlier_warnings as (
    select
        'outlier|' || outliers.province_code || '|' || outliers.period || '|'
        || outliers.project_code || '|' || outliers.measure as finding_key,
        'warning' as severity,
        'outlier' as check_name,
        outliers.province_code,
        outliers.project_code,
        outliers.period,
        'fct_capital_progress' as source_name,
        outliers.project_code || ', kỳ ' || outliers.period || ': số liệu ' || outliers.measure
        || ' khác thường so với các kỳ trước của tỉnh (z = '
        || cast(round(cast(outliers.robust_z as numeric), 1) as varchar)
        || '); đề nghị kiểm tra lại' as message_vi,
        outliers.project_code || ', period ' || outliers.period || ': ' || outliers.measure
        || ' is unusual against the province''s own history (z = '
        || cast(round(cast(outliers.robust_z as numeric), 1) as varchar) || '); please check' as message_en,
        cast(null as varchar) as batch_id
    from outliers
),

latest_due_period as (
    select max(due_date) as due_date
    from {{ ref('reporting_completeness') }}
),

missing_reports as (
    select
        'missing|' || completeness.admin_era || '-' || completeness.province_code_as_reported
        || '|' || completeness.period || '|' || completeness.form as finding_key,
        'warning' as severity,
        'completeness' as check_name,
        completeness.province_code,
        cast(null as varchar) as project_code,
        completeness.period,
        completeness.form as source_name,
        'Chưa nhận được báo cáo kỳ ' || completeness.period || ' của ' || completeness.province_name
        || ' (hạn ' || cast(completeness.due_date as varchar) || ')' as message_vi,
        'No ' || completeness.period || ' report received from ' || completeness.province_name
        || ' (due ' || cast(completeness.due_date as varchar) || ')' as message_en,
        cast(null as varchar) as batch_id
    from {{ ref('reporting_completeness') }} as completeness
    inner join latest_due_period on completeness.due_date = latest_due_period.due_date
    where not completeness.is_received
),

held_submissions as (
    -- a submission for an approved province × period, held and not published (sign-off)
    select
        'held|' || held.batch_id || '|' || held.province_code || '|' || held.period as finding_key,
        'warning' as severity,
        'signoff_held' as check_name,
        held.province_code,
        cast(null as varchar) as project_code,
        held.period,
        held.source_name,
        'Báo cáo "' || held.source_name || '" của ' || coalesce(held.province_name, held.province_code)
        || ' kỳ ' || held.period || ' được giữ lại, chưa công bố: kỳ này đã được ' || held.approved_by
        || ' phê duyệt. So với số liệu đã phê duyệt: ' || cast(held.differing_leaves as varchar)
        || ' dòng khác, kế hoạch ' || cast(held.planned_difference_vnd as varchar) || ' đồng, giải ngân '
        || cast(held.disbursed_difference_vnd as varchar)
        || ' đồng. Nếu cần công bố: mtqg unlock (kèm lý do).' as message_vi,
        'Report "' || held.source_name || '" for ' || coalesce(held.province_name, held.province_code)
        || ' ' || held.period || ' is held, not published: the period was approved by '
        || held.approved_by || '. Against the approved figures: '
        || cast(held.differing_leaves as varchar) || ' leaves differ, plan '
        || cast(held.planned_difference_vnd as varchar) || ' đồng, disbursed '
        || cast(held.disbursed_difference_vnd as varchar)
        || ' đồng. To publish it: mtqg unlock (with a reason).' as message_en,
        held.batch_id
    from {{ ref('quality_held_submissions') }} as held
    where held.is_locked
),

cross_source as (
    -- a province's figure further from the State Treasury's or the Ministry of Finance's than
    -- the tolerance of seed reconciliation_tolerances
    select
        'cross_source|' || reconciliation.province_code || '|' || reconciliation.period || '|'
        || reconciliation.project_code || '|' || reconciliation.comparison as finding_key,
        'warning' as severity,
        'cross_source' as check_name,
        reconciliation.province_code,
        reconciliation.project_code,
        reconciliation.period,
        reconciliation.reference_source as source_name,
        reconciliation.project_code || ', kỳ ' || reconciliation.period || ': '
        || case
            when reconciliation.comparison = 'disbursed_vs_treasury'
                then 'giải ngân tỉnh báo cáo khác số liệu Kho bạc Nhà nước '
            else 'kế hoạch vốn tỉnh báo cáo khác kế hoạch Bộ Tài chính giao '
        end
        || cast(reconciliation.difference_vnd as varchar) || ' đồng (tỉnh '
        || cast(reconciliation.reported_vnd as varchar) || ', nguồn đối chiếu '
        || cast(reconciliation.reference_vnd as varchar) || ', ngưỡng '
        || cast(reconciliation.tolerance_vnd as varchar) || '); đề nghị kiểm tra lại' as message_vi,
        reconciliation.project_code || ', period ' || reconciliation.period || ': '
        || case
            when reconciliation.comparison = 'disbursed_vs_treasury'
                then 'disbursement reported by the province differs from the State Treasury by '
            else 'capital plan reported by the province differs from the Ministry of Finance by '
        end
        || cast(reconciliation.difference_vnd as varchar) || ' đồng (province '
        || cast(reconciliation.reported_vnd as varchar) || ', other source '
        || cast(reconciliation.reference_vnd as varchar) || ', tolerance '
        || cast(reconciliation.tolerance_vnd as varchar) || '); please check' as message_en,
        cast(null as varchar) as batch_id
    from {{ ref('mart_source_reconciliation') }} as reconciliation
    where reconciliation.is_over_tolerance
),

final as (
    select * from blocking
    union all
    select * from warnings
    union all
    select * from outlier_warnings
    union all
    select * from missing_reports
    union all
    select * from held_submissions
    union all
    select * from cross_source
)

select * from final
