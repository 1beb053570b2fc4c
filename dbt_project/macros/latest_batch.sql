{#- Rows of the most recently loaded accepted batch of a reference table: a new version of a
    file replaces the previous one, which stays in raw; a version the gate quarantined replaces
    nothing. -#}
{% macro latest_batch_only(relation) -%}
    select * from {{ relation }}
    where batch_id = (
        select batches.batch_id
        from {{ ref('stg_raw__batches') }} as batches
        where
            batches.batch_id in (select distinct batch_id from {{ relation }})
            and batches.batch_id in {{ accepted_batches() }}
        order by batches.loaded_at desc, batches.batch_id desc
        limit 1
    )
{%- endmacro %}
