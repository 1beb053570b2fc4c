{#- The batches the quality gate accepted: marts take their facts from these only. -#}
{% macro accepted_batches() -%}
    (
        select batch_status.batch_id
        from {{ ref('stg_quality__batch_status') }} as batch_status
        where batch_status.status = 'accepted'
    )
{%- endmacro %}
