{#- Every phase I code of the programme crosswalk moves whole: its shares sum to exactly 1. -#}
select
    phase1_code,
    sum(share) as share_total
from {{ ref('programme_crosswalk') }}
group by phase1_code
having sum(share) != 1
