with

source as (
    select * from {{ source('donors', 'iati_tags') }}
),

final as (
    select
        iati_identifier,
        vocabulary as tag_vocabulary,
        vocabulary_uri as tag_vocabulary_uri,
        code as tag_code,
        narrative as tag_name,
        batch_id
    from source
)

select * from final
