"""Readers of the provinces' progress reports: Form 01, the flat CSV export and Form 02."""
