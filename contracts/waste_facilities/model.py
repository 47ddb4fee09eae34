"""Checks of staged waste-facility records (staging.waste_facilities).

Grain: one row per facility (or line) per status record, as published by one source.

The pandera schema is generated from the contract (contracts/schema.py: types, required
columns, non_negative, end_not_before_start); this dataset adds no check of its own.
"""
