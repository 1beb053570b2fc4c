-- Allocation norms: normative against actual central capital, per decision and province.
select
    decision_title_vi,
    is_confirmed,
    is_illustrative,
    province_code,
    province_name,
    normative_points,
    normative_share,
    actual_share,
    normative_of_actual_vnd,
    actual_central_plan_vnd,
    difference_vnd,
    normative_rank,
    actual_rank,
    normative_of_envelope_vnd,
    missing_inputs,
    source_reference
from marts.mart_allocation_norms
order by is_illustrative, decision_code, normative_rank, province_code
