{#- The beneficiary review summed per 2025 province and support year: households and money
    checked, and how many lines need an officer's follow-up, by reason. -#}
with

review as (
    select * from {{ ref('mart_beneficiary_review') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

sums as (
    select
        {%- for m in beneficiary_review_measures() %}
            {{ beneficiary_review_sum(m) }} as {{ m.measure }},
        {%- endfor %}
        review.province_code,
        review.support_year,
        count(*) as support_lines,
        count(distinct review.household_pseudonym) as households,
        cast(sum(review.amount_vnd) as bigint) as amount_vnd
    from review
    group by review.province_code, review.support_year
),

final as (
    select
        sums.province_code,
        provinces.province_name,
        sums.support_year,
        sums.support_lines,
        sums.households,
        sums.amount_vnd,
        sums.outside_area_lines,
        sums.outside_area_amount_vnd,
        sums.commune_not_found_lines,
        sums.not_in_612_village_lines,
        sums.supported_twice_lines,
        sums.follow_up_lines
    from sums
    left join provinces on sums.province_code = provinces.province_code
)

select * from final
