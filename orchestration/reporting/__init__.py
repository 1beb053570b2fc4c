"""Reporting domain: the Steering Committee's progress report."""
