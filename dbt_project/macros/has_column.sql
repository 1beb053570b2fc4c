{#- Whether a relation has a column, at run time (false while parsing): lets a model show a
    column another change adds to a seed (e.g. feasibility_targets.is_illustrative) before and
    after it lands. -#}
{% macro has_column(relation, column_name) -%}
    {%- if execute -%}
        {{- return(column_name in (adapter.get_columns_in_relation(relation) | map(attribute='name') | list)) -}}
    {%- else -%}
        {{- return(false) -}}
    {%- endif -%}
{%- endmacro %}
