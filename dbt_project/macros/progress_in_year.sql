{#- The provincial progress rows (`progress`, fct_capital_progress's columns) with the year they
    count in and whether they count in it: the allocation and year-to-date disbursement of a
    reporting unit are read from its latest report of the year. In the year of the reform a 2025
    province's reports carry the year to date of the old provinces it absorbed: once it has
    reported, their reports of that year no longer count (they would count H1 twice). Defines the
    CTEs `<name>_eras`, `<name>_latest` and `<name>` (`progress_year`, `is_counted_in_year`);
    mart_programme_progress sums these rows, lineage_report_cells lists them. -#}
{% macro progress_in_year(progress, name) -%}
    {{ name }}_eras as (
        select
            province_code,
            cast(extract(year from period_end_date) as integer) as progress_year,
            max(admin_era) as admin_era
        from {{ progress }}
        group by province_code, cast(extract(year from period_end_date) as integer)
    ),

    {{ name }}_latest as (
        select
            {{ progress }}.admin_era,
            {{ progress }}.province_code_as_reported,
            {{ name }}_eras.progress_year,
            max({{ progress }}.period_end_date) as period_end_date
        from {{ progress }}
        inner join {{ name }}_eras
            on
                {{ progress }}.province_code = {{ name }}_eras.province_code
                and cast(extract(year from {{ progress }}.period_end_date) as integer)
                = {{ name }}_eras.progress_year
                and {{ progress }}.admin_era = {{ name }}_eras.admin_era
        group by
            {{ progress }}.admin_era,
            {{ progress }}.province_code_as_reported,
            {{ name }}_eras.progress_year
    ),

    {{ name }} as (
        select
            {{ progress }}.*,
            cast(extract(year from {{ progress }}.period_end_date) as integer) as progress_year,
            {{ name }}_latest.period_end_date is not null as is_counted_in_year
        from {{ progress }}
        left join {{ name }}_latest
            on
                {{ progress }}.admin_era = {{ name }}_latest.admin_era
                and {{ progress }}.province_code_as_reported
                = {{ name }}_latest.province_code_as_reported
                and cast(extract(year from {{ progress }}.period_end_date) as integer)
                = {{ name }}_latest.progress_year
                and {{ progress }}.period_end_date = {{ name }}_latest.period_end_date
    )
{%- endmacro %}
