{#- The officers' follow-up list: each household line the review flags, by pseudonym and file,
    sheet and row only (no name, no ID), with the reason in Vietnamese and English. -#}
with

review as (
    select * from {{ ref('mart_beneficiary_review') }}
    where needs_follow_up
),

final as (
    select
        province_code,
        support_year,
        household_pseudonym,
        original_name,
        source_file_sha256,
        source_sheet,
        source_row,
        support_content,
        amount_vnd,
        commune_code,
        region_861,
        is_outside_programme_area,
        commune_match,
        is_supported_twice,
        times_supported_same_content,
        concat_ws(
            '; ',
            case when commune_match = 'not_found' then 'không tìm thấy xã trong danh mục' end,
            case when commune_match = 'ambiguous' then 'tên xã trùng, không xác định được' end,
            case
                when is_outside_programme_area
                    then 'xã ngoài vùng đồng bào DTTS&MN (QĐ 861)'
            end,
            case
                when is_supported_twice
                    then
                        'cùng hộ được hỗ trợ cùng nội dung '
                        || cast(times_supported_same_content as varchar) || ' lần'
            end
        ) as reason_vi,
        concat_ws(
            '; ',
            case when commune_match = 'not_found' then 'commune not in the reference list' end,
            case when commune_match = 'ambiguous' then 'commune name not unique' end,
            case
                when is_outside_programme_area
                    then 'commune outside the programme areas (Decision 861)'
            end,
            case
                when is_supported_twice
                    then
                        'same household supported for the same content '
                        || cast(times_supported_same_content as varchar) || ' times'
            end
        ) as reason_en
    from review
)

select * from final
