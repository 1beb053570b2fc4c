-- The tables of a snapshot file, as schema.table.
select schema_name || '.' || table_name as table_name
from duckdb_tables()
order by schema_name, table_name
