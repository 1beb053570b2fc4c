-- The officers' follow-up list: pseudonyms and file/sheet/row references only.
select
    province_code,
    support_year,
    household_pseudonym,
    original_name,
    source_sheet,
    source_row,
    support_content,
    amount_vnd,
    reason_vi,
    reason_en
from marts.rpt_beneficiary_follow_up
order by province_code, household_pseudonym, support_year, original_name, source_row
