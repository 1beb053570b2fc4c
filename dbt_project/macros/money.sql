{#- Ministry amounts arrive as exact decimal text in triệu đồng: whole đồng, rounded half away
    from zero (numeric rounding does that on DuckDB and PostgreSQL alike). -#}
{% macro million_vnd_to_vnd(column) -%}
    cast(round(cast({{ column }} as numeric(38, 6)) * 1000000) as bigint)
{%- endmacro %}

{#- An amount in a foreign currency at a rate in đồng per unit, as whole đồng. -#}
{% macro to_vnd_at_rate(amount, rate) -%}
    cast(round(cast({{ amount }} as numeric(38, 10)) * cast({{ rate }} as numeric(38, 10))) as bigint)
{%- endmacro %}

{#- Integer parts of `amount` by `share`, largest remainder within each `partition` (the rows
    one amount is split into; `order_by` breaks ties): the parts add up exactly to the amount
    times the partition's shares, rounded once (to the amount itself when the shares make 1),
    where rounding each part alone can lose or add a đồng. A split commune's figures sum back
    to the original, a donor transaction's project shares to the transaction. -#}
{% macro apportion_integer(amount, share, partition, order_by) -%}
    cast(floor({{ amount }} * {{ share }}) as bigint)
    + case
        when row_number() over (
            partition by {{ partition }}
            order by {{ amount }} * {{ share }} - floor({{ amount }} * {{ share }}) desc, {{ order_by }}
        ) <= cast(round({{ amount }} * sum({{ share }}) over (partition by {{ partition }})) as bigint)
        - sum(cast(floor({{ amount }} * {{ share }}) as bigint)) over (partition by {{ partition }})
            then 1
        else 0
    end
{%- endmacro %}
