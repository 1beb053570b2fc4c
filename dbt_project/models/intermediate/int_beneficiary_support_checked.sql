{#- The columns of a Form 02 batch that its gate may see: pseudonyms and amounts, nothing that
    could name a person (the suite blocks any other column). -#}
with

support as (
    select * from {{ ref('stg_provincial__beneficiary_support') }}
),

final as (
    select
        batch_id,
        source_row,
        household_pseudonym,
        amount_vnd,
        support_year,
        is_repeat_household
    from support
)

select * from final
