-- Rows of one table ($1 = schema.table, a name the catalogue gave, bound not formatted).
select count(*) as row_count
from query_table($1)
