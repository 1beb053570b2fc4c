-- The snapshot file being written ($1 = its path), beside the warehouse opened read-only.
attach $1 as snapshot (read_write)  -- noqa: PRS
