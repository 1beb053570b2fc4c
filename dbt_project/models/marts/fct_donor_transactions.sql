{#- Donor transactions (commitments, disbursements, expenditure) once each across activity files
    and the Datastore, in the original currency and in đồng, counted for programme projects by the
    Office's mapping table (a transaction of an unmapped activity has one row, without project).
    An activity is published whole: its transactions are those of the latest accepted batch
    (of either channel) that carries the activity, so a revised value replaces the old one and a
    transaction the donor deleted goes away; a quarantined batch changes nothing. -#}
with

accepted_transactions as (
    select * from {{ ref('int_donor_transactions_converted') }}
    where batch_id in {{ accepted_batches() }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

-- every accepted batch that carries an activity: an activity file lists it (even with no
-- transaction left), a Datastore answer holds its transactions
carriers as (
    select distinct
        activities.iati_identifier,
        'activity_file' as channel,
        activities.batch_id
    from {{ ref('stg_donors__activities') }} as activities
    where activities.batch_id in {{ accepted_batches() }}
    union
    select distinct
        iati_identifier,
        channel,
        batch_id
    from accepted_transactions
),

carriers_ranked as (
    select
        carriers.*,
        row_number() over (
            partition by carriers.iati_identifier
            order by batches.loaded_at desc, carriers.batch_id desc
        ) as overall_rank,
        row_number() over (
            partition by carriers.iati_identifier, carriers.channel
            order by batches.loaded_at desc, carriers.batch_id desc
        ) as channel_rank
    from carriers
    inner join batches on carriers.batch_id = batches.batch_id
),

current_batches as (
    select * from carriers_ranked
    where overall_rank = 1
),

-- the other channel's latest copy of the activity: a transaction found there too is in both
other_channel_batches as (
    select carriers_ranked.*
    from carriers_ranked
    inner join current_batches
        on
            carriers_ranked.iati_identifier = current_batches.iati_identifier
            and carriers_ranked.channel != current_batches.channel
    where carriers_ranked.channel_rank = 1
),

other_channel as (
    select accepted_transactions.*
    from accepted_transactions
    inner join other_channel_batches
        on
            accepted_transactions.iati_identifier = other_channel_batches.iati_identifier
            and accepted_transactions.batch_id = other_channel_batches.batch_id
),

transactions as (
    select
        accepted_transactions.*,
        accepted_transactions.iati_identifier
        || '|' || accepted_transactions.transaction_type_code
        || '|' || cast(accepted_transactions.transaction_date as varchar)
        || '|' || cast(accepted_transactions.amount_original as varchar)
        || '|' || accepted_transactions.currency_original
        || '|' || cast(accepted_transactions.occurrence as varchar) as transaction_key,
        exists(
            select 1 from other_channel
            where
                other_channel.iati_identifier = accepted_transactions.iati_identifier
                and other_channel.transaction_type_code = accepted_transactions.transaction_type_code
                and other_channel.transaction_date = accepted_transactions.transaction_date
                and other_channel.amount_original = accepted_transactions.amount_original
                and other_channel.currency_original = accepted_transactions.currency_original
                and other_channel.occurrence = accepted_transactions.occurrence
        ) as is_in_both_channels
    from accepted_transactions
    inner join current_batches
        on
            accepted_transactions.iati_identifier = current_batches.iati_identifier
            and accepted_transactions.batch_id = current_batches.batch_id
),

mapping as (
    select * from {{ ref('donor_project_mapping') }}
),

activities as (
    select
        iati_identifier,
        max(reporting_org_ref) as reporting_org_ref
    from {{ ref('stg_donors__activities') }}
    group by iati_identifier
),

-- a transaction's project shares are apportioned in whole đồng, largest remainder, so the
-- parts add up to the transaction (to its mapped share of it when the shares make less than 1)
final as (
    select
        transactions.transaction_key,
        transactions.iati_identifier,
        activities.reporting_org_ref,
        transactions.transaction_type_code,
        case transactions.transaction_type_code
            when '2' then 'commitment'
            when '3' then 'disbursement'
            when '4' then 'expenditure'
            else 'other'
        end as transaction_type,
        transactions.transaction_date,
        transactions.value_date,
        transactions.amount_original,
        transactions.currency_original,
        transactions.rate_date,
        transactions.vnd_per_unit,
        transactions.amount_vnd,
        mapping.project_code,
        mapping.share as project_share,
        {{ apportion_integer(
            'transactions.amount_vnd', 'mapping.share', 'transactions.transaction_key',
            'mapping.project_code'
        ) }} as project_amount_vnd,
        transactions.channel,
        transactions.is_in_both_channels,
        transactions.batch_id,
        transactions.source_file_sha256,
        transactions.transaction_index as source_record_index
    from transactions
    left join mapping on transactions.iati_identifier = mapping.iati_identifier
    left join activities on transactions.iati_identifier = activities.iati_identifier
)

select * from final
