-- Comment on one incoming table ($2 null) or column ($1 table, $2 column, $3 text).
select pg_temp.mtqg_comment($1, $2, $3)
