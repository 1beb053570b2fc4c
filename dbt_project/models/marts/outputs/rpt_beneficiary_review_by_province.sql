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

final as (
    select
        review.province_code,
        provinces.province_name,
        review.support_year,
        count(*) as support_lines,
        count(distinct review.household_pseudonym) as households,
        cast(sum(review.amount_vnd) as bigint) as amount_vnd,
        sum(case when review.is_outside_programme_area then 1 else 0 end) as outside_area_lines,
        cast(sum(case when review.is_outside_programme_area then review.amount_vnd else 0 end) as bigint)
            as outside_area_amount_vnd,
        sum(case when review.commune_match != 'found' then 1 else 0 end) as commune_not_found_lines,
        sum(case when review.commune_match = 'found' and not review.is_village_612 then 1 else 0 end)
            as not_in_612_village_lines,
        sum(case when review.is_supported_twice then 1 else 0 end) as supported_twice_lines,
        sum(case when review.needs_follow_up then 1 else 0 end) as follow_up_lines
    from review
    left join provinces on review.province_code = provinces.province_code
    group by review.province_code, provinces.province_name, review.support_year
)

select * from final
