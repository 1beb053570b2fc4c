-- The tables of the marts schema analysts read ($1), with their rows as last analysed.
select table_name
from information_schema.tables
where table_schema = $1
order by table_name
