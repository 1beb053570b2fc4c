-- A fresh schema to load the new marts into, inside the publish's transaction.
do $$
begin
    drop schema if exists mtqg_incoming cascade;
    create schema mtqg_incoming;
end
$$
