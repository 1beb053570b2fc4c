-- The schemas of a snapshot: the same names as in the warehouse, so queries read the same.
create schema snapshot.marts;
create schema snapshot.quality;
