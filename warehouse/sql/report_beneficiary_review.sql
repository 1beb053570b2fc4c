-- The beneficiary review per province and support year.
select
    province_code,
    province_name,
    support_year,
    support_lines,
    households,
    amount_vnd,
    outside_area_lines,
    outside_area_amount_vnd,
    commune_not_found_lines,
    not_in_612_village_lines,
    supported_twice_lines,
    follow_up_lines
from marts.rpt_beneficiary_review_by_province
order by province_code, support_year
