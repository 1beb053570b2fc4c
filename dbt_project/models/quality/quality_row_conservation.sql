{#- Nothing read is lost: per batch, the rows the reader kept are the rows in raw, and the facts
    in the marts are exactly the leaf facts of accepted current submissions (none of a
    quarantined one). -#}
with

batches as (
    select * from {{ ref('stg_raw__batches') }}
    where dataset in ('form01', 'flat_csv', 'unreadable')
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

raw_lines as (
    select
        batch_id,
        count(*) as raw_rows
    from {{ ref('stg_provincial__report_lines') }}
    group by batch_id
),

leaf_facts as (
    select
        batch_id,
        count(*) as leaf_facts
    from {{ ref('int_provincial_progress_unpivoted') }}
    group by batch_id
),

mart_facts as (
    select
        batch_id,
        count(*) as mart_facts
    from {{ ref('fct_capital_progress') }}
    group by batch_id
),

final as (
    select
        batches.batch_id,
        batches.original_name,
        batch_status.status,
        batches.rows_read,
        batches.rows_loaded,
        coalesce(raw_lines.raw_rows, 0) as raw_rows,
        coalesce(leaf_facts.leaf_facts, 0) as leaf_facts,
        coalesce(mart_facts.mart_facts, 0) as mart_facts,
        batches.rows_loaded = coalesce(raw_lines.raw_rows, 0)
        and (
            coalesce(mart_facts.mart_facts, 0) = 0
            or (
                batch_status.status = 'accepted'
                and mart_facts.mart_facts = leaf_facts.leaf_facts
            )
        ) as is_conserved
    from batches
    left join batch_status on batches.batch_id = batch_status.batch_id
    left join raw_lines on batches.batch_id = raw_lines.batch_id
    left join leaf_facts on batches.batch_id = leaf_facts.batch_id
    left join mart_facts on batches.batch_id = mart_facts.batch_id
)

select * from final
