{#- Donor mobilisation: commitments against disbursements per development partner and programme
    project, in đồng at the State Bank rate of each transaction's value date, counted for projects
    by the Office's mapping table (an activity not in it is its own row, without project). A
    transaction without a rate for its value date is counted, not guessed. -#}
with

transactions as (
    select * from {{ ref('fct_donor_transactions') }}
),

donors as (
    select * from {{ ref('dim_donor') }}
),

programme as (
    select * from {{ ref('dim_programme') }}
    where programme_regime = 'phase_1_2021_2025' and is_project
),

measured as (
    select
        reporting_org_ref,
        project_code,
        transaction_type,
        iati_identifier,
        value_date,
        {{ donor_counted_vnd() }} as counted_vnd,
        amount_vnd is null as is_without_rate
    from transactions
),

sums as (
    select
        reporting_org_ref,
        project_code,
        count(distinct iati_identifier) as activities,
        {%- for m in donor_mobilisation_measures() %}
            sum(case when transaction_type = '{{ m.transaction_type }}' then counted_vnd else 0 end)
                as {{ m.sum_as }},
        {%- endfor %}
        sum(case when is_without_rate then 1 else 0 end) as transactions_without_rate,
        min(value_date) as first_value_date,
        max(value_date) as last_value_date
    from measured
    group by reporting_org_ref, project_code
),

final as (
    select
        sums.reporting_org_ref as donor_ref,
        donors.donor_name,
        sums.project_code,
        programme.name_vi as project_name_vi,
        sums.project_code is not null as is_mapped,
        sums.activities,
        cast(sums.committed_sum as bigint) as committed_vnd,
        cast(sums.disbursed_sum as bigint) as disbursed_vnd,
        cast(sums.spent_sum as bigint) as expenditure_vnd,
        case
            when sums.committed_sum > 0 then round(100.0 * sums.disbursed_sum / sums.committed_sum, 1)
        end as disbursement_rate_pct,
        sums.transactions_without_rate,
        sums.first_value_date,
        sums.last_value_date
    from sums
    left join donors on sums.reporting_org_ref = donors.donor_ref
    left join programme on sums.project_code = programme.project_code
)

select * from final
