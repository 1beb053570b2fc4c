{#- Every supported household line (Form 02, pseudonymised at ingestion, accepted lists only)
    checked for the programme: its commune found by name in the reference list of the line's era
    (province, then district where two communes share a name) and its Decision 861 region across
    the 2025 reform (a 2025 commune takes the highest region of the old communes it absorbed); its
    village against the Decision 612 list of that commune (of the old communes it absorbed, for a
    2025 commune); and the same pseudonym supported for the same content more than once, across
    files, provinces or years. Only pseudonyms and file/sheet/row references: no name, no ID, no
    ethnicity. -#}
with

support as (
    select * from {{ ref('fct_beneficiary_support') }}
),

lines as (
    select
        batch_id,
        source_row,
        source_sheet
    from {{ ref('stg_provincial__beneficiary_support') }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

areas as (
    select * from {{ ref('mart_commune_programme_area') }}
),

crosswalk as (
    select * from {{ ref('int_communes_mapped_to_2025') }}
),

villages as (
    select
        village_id,
        commune_code,
        {{ fold_village_name('village_name') }} as village_name_key,
        row_number() over (
            partition by village_id order by updated_at desc, batch_id desc
        ) as version_rank
    from {{ ref('stg_ministries__extremely_difficult_villages') }}
),

keyed as (
    select
        support.*,
        {{ fold_commune_name('support.commune_name') }} as commune_name_key,
        {{ fold_district_name('support.district_name') }} as district_name_key,
        {{ fold_village_name('support.village_name') }} as village_name_key,
        {{ fold_name('support.support_content', 'ho tro') }} as content_key
    from support
),

candidates as (
    select
        keyed.batch_id,
        keyed.source_row,
        areas.commune_key,
        areas.district_name_key = keyed.district_name_key as is_same_district,
        count(*) over (partition by keyed.batch_id, keyed.source_row) as candidate_count,
        sum(case when areas.district_name_key = keyed.district_name_key then 1 else 0 end)
            over (partition by keyed.batch_id, keyed.source_row) as same_district_count
    from keyed
    inner join areas
        on
            keyed.admin_era = areas.admin_era
            and keyed.province_code_as_reported = areas.province_code
            and keyed.commune_name_key = areas.commune_name_key
),

matched as (
    select
        batch_id,
        source_row,
        min(commune_key) as commune_key,
        max(candidate_count) as candidate_count
    from candidates
    where candidate_count = 1 or (same_district_count = 1 and is_same_district)
    group by batch_id, source_row
),

ambiguous as (
    select distinct
        batch_id,
        source_row
    from candidates
    where candidate_count > 1
),

-- The 612 villages a commune's households may live in: its own (pre-2025 commune), or those of
-- every old commune it absorbed (2025 commune).
commune_villages as (
    select
        areas.commune_key,
        villages.village_name_key
    from areas
    inner join villages
        on
            areas.admin_era = '2008'
            and areas.commune_code = villages.commune_code
            and villages.version_rank = 1
    union
    select
        areas.commune_key,
        villages.village_name_key
    from areas
    inner join crosswalk on areas.admin_era = '2025' and areas.commune_code = crosswalk.new_commune_code
    inner join villages
        on
            crosswalk.old_commune_code = villages.commune_code
            and villages.version_rank = 1
),

checked as (
    select
        keyed.batch_id,
        batches.original_name,
        batches.source_file_sha256,
        lines.source_sheet,
        keyed.source_row,
        keyed.household_pseudonym,
        keyed.province_code,
        keyed.province_code_as_reported,
        keyed.admin_era,
        keyed.support_year,
        keyed.support_content,
        keyed.content_key,
        keyed.amount_vnd,
        keyed.is_repeat_household,
        matched.commune_key,
        areas.commune_code,
        areas.commune_code_2025,
        areas.region_861,
        areas.region_basis,
        case
            when matched.commune_key is not null then 'found'
            when ambiguous.batch_id is not null then 'ambiguous'
            else 'not_found'
        end as commune_match,
        coalesce(areas.is_in_programme_area, false) as is_in_programme_area,
        commune_villages.village_name_key is not null as is_village_612
    from keyed
    inner join batches on keyed.batch_id = batches.batch_id
    left join lines on keyed.batch_id = lines.batch_id and keyed.source_row = lines.source_row
    left join matched on keyed.batch_id = matched.batch_id and keyed.source_row = matched.source_row
    left join ambiguous
        on keyed.batch_id = ambiguous.batch_id and keyed.source_row = ambiguous.source_row
    left join areas on matched.commune_key = areas.commune_key
    left join commune_villages
        on
            matched.commune_key = commune_villages.commune_key
            and keyed.village_name_key = commune_villages.village_name_key
),

repeat_counts as (
    select
        household_pseudonym,
        content_key,
        count(*) as times_supported_same_content,
        count(distinct batch_id) as files_with_same_content
    from checked
    group by household_pseudonym, content_key
),

repeats as (
    select
        checked.*,
        repeat_counts.times_supported_same_content,
        repeat_counts.files_with_same_content
    from checked
    inner join repeat_counts
        on
            checked.household_pseudonym = repeat_counts.household_pseudonym
            and checked.content_key = repeat_counts.content_key
),

final as (
    select
        batch_id,
        original_name,
        source_file_sha256,
        source_sheet,
        source_row,
        household_pseudonym,
        province_code,
        province_code_as_reported,
        admin_era,
        support_year,
        support_content,
        amount_vnd,
        commune_code,
        commune_code_2025,
        commune_match,
        region_861,
        region_basis,
        is_in_programme_area,
        is_village_612,
        times_supported_same_content,
        files_with_same_content,
        times_supported_same_content > 1 as is_supported_twice,
        is_repeat_household,
        commune_match = 'found' and not is_in_programme_area as is_outside_programme_area,
        commune_match != 'found' or not is_in_programme_area or times_supported_same_content > 1
            as needs_follow_up
    from repeats
)

select * from final
