{#- The row every sheet's lineage model ends with: the columns of lineage_report_cells in
    their order (points only where a criterion's points are counted). -#}
{% macro lineage_cell_row(cells) -%}
select
    report,
    province_code,
    period,
    cell_code,
    cell_key,
    project_code,
    measure,
    amount_vnd,
    counted,
    cast(null as numeric(38, 6)) as points,
    source_kind,
    batch_id,
    cast(null as varchar) as source_name,
    source_file_sha256,
    source_sheet,
    source_row,
    source_record_id,
    household_pseudonym,
    derivation,
    subproject_code,
    budget_source,
    capital_type,
    province_code_as_reported,
    admin_era
from {{ cells }}
{%- endmacro %}
