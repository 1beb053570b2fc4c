-- The latest reporting period with accepted figures: the report's period when none is asked.
select period
from marts.rpt_national_summary
order by period_end_date desc, period desc
limit 1
