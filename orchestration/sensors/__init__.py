"""Sensors: sources with something new, failed runs and checks, and declarative automation."""
