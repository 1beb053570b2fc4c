-- Donor mobilisation per donor and project, in đồng at value-date rates.
select
    donor_ref,
    donor_name,
    project_code,
    project_name_vi,
    activities,
    committed_vnd,
    disbursed_vnd,
    disbursement_rate_pct,
    transactions_without_rate
from marts.rpt_donor_mobilisation
order by donor_ref nulls last, project_code nulls last
