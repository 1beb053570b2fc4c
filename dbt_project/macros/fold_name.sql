{#- A diacritic-insensitive key for Vietnamese place names, the same on DuckDB and PostgreSQL:
    lower case, marks removed, đ→d, anything but letters and digits one space; then the leading
    administrative word (`xã`, `phường`, `huyện`, `thôn`, `bản` …) dropped, so `Xã Pú Nhi` and
    `Pú Nhi` meet. Mirrors connectors.vietnamese.fold for names. -#}
{% macro fold_name(column, prefixes) -%}
    regexp_replace(
        trim(regexp_replace(
            translate(
                lower({{ column }}),
                'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ',
                'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
            ),
            '[^0-9a-z]+', ' ', 'g'
        )),
        '^({{ prefixes }}) ', ''
    )
{%- endmacro %}

{% macro fold_commune_name(column) -%}
    {{ fold_name(column, 'xa|phuong|thi tran|dac khu') }}
{%- endmacro %}

{% macro fold_district_name(column) -%}
    {{ fold_name(column, 'huyen|quan|thi xa|thanh pho') }}
{%- endmacro %}

{% macro fold_village_name(column) -%}
    {{ fold_name(column, 'thon|ban|lang|buon|xom|ap|to dan pho|to|khu|phum|soc|plei|bon|khom') }}
{%- endmacro %}
