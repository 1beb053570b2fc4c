-- Comments on the incoming tables and columns from the dbt docs (a function of this session only,
-- so names and texts are bound parameters and PostgreSQL quotes them).
create or replace function pg_temp.mtqg_comment(
    table_name text, column_name text, note text
) returns void
language plpgsql as $$
begin
    if column_name is null then
        execute format('comment on table mtqg_incoming.%I is %L', table_name, note);
    else
        execute format(
            'comment on column mtqg_incoming.%I.%I is %L', table_name, column_name, note
        );
    end if;
end
$$
