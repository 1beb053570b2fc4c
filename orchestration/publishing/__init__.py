"""The published snapshot, its exports and the marts on PostgreSQL for analysts."""
