with

provinces as (
    select * from {{ ref('admin_provinces') }}
),

current_provinces as (
    select
        province_code as province_code_2025,
        province_name as province_name_2025
    from provinces
    where admin_era = '2025'
),

final as (
    select
        provinces.admin_era || '-' || provinces.province_code as province_key,
        provinces.admin_era,
        provinces.province_code,
        provinces.province_name,
        provinces.province_full_name,
        provinces.province_name_en,
        provinces.admin_era = '2025' as is_current,
        provinces.province_code_2025,
        current_provinces.province_name_2025
    from provinces
    inner join current_provinces
        on provinces.province_code_2025 = current_provinces.province_code_2025
)

select * from final
