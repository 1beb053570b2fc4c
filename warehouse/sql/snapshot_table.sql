-- Every row of one table ($1 = catalog.schema.table, a name the catalogue gave, bound).
select *
from query_table($1)
