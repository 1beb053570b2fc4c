"""Ingestion domain: one landing asset per configured source."""
