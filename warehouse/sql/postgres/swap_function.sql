-- The switch, at the end of the publish's one transaction: the analysts' read-only role exists
-- (LOGIN, read-only sessions, no other rights), the incoming schema takes the marts' name, the
-- role may read it and nothing else of ours, the previous marts go. Readers see the old marts
-- or the new ones, never half.
create or replace function pg_temp.mtqg_swap(
    target_schema text, analyst text, analyst_password text
) returns void
language plpgsql as $$
begin
    if not exists (select from pg_roles where rolname = analyst) then
        begin
            execute format(
                'create role %I login nosuperuser nocreatedb nocreaterole noinherit', analyst
            );
        exception when duplicate_object or unique_violation then
            null;  -- another publish created it meanwhile
        end;
    end if;
    execute format('alter role %I set default_transaction_read_only = on', analyst);
    if analyst_password is not null then
        execute format('alter role %I password %L', analyst, analyst_password);
    end if;
    drop schema if exists mtqg_retired cascade;
    if exists (select from pg_namespace where nspname = target_schema) then
        execute format('alter schema %I rename to mtqg_retired', target_schema);
    end if;
    execute format('alter schema mtqg_incoming rename to %I', target_schema);
    execute format('grant usage on schema %I to %I', target_schema, analyst);
    execute format('grant select on all tables in schema %I to %I', target_schema, analyst);
    drop schema if exists mtqg_retired cascade;
end
$$
