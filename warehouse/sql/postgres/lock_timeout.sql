-- How long this transaction waits for a lock ($1, e.g. '60s'): an analyst's query still reading
-- the previous marts holds one until it ends.
select set_config('lock_timeout', $1, true)
