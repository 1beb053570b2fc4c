-- The tables of schema marts, by name.
select table_name
from duckdb_tables()
where schema_name = 'marts'
order by table_name
