-- Tables of the schemas a snapshot may publish, with their columns (name and type, in order).
select
    t.schema_name,
    t.table_name,
    list(c.column_name order by c.column_index) as column_names,
    list(c.data_type order by c.column_index) as column_types
from duckdb_tables() as t
inner join duckdb_columns() as c
    on t.table_oid = c.table_oid
where
    t.database_name = current_database()
    and t.schema_name in ('marts', 'quality')
group by t.schema_name, t.table_name
order by t.schema_name, t.table_name
