-- The whole capital progress mart, for its blocking suite.
select *
from marts.fct_capital_progress
