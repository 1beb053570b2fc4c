-- Whether a table exists ($1 = schema, $2 = table).
select 1 as present
from duckdb_tables()
where schema_name = $1 and table_name = $2
