-- Switch the incoming marts in ($1 schema, $2 analysts' role, $3 its password or null).
select pg_temp.mtqg_swap($1, $2, $3)
