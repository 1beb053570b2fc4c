"""Warehouse domain: raw loading from landing and the dbt models."""
