"""Checks of staged event rows (staging.eco_events).

Grain: one row per event (or series reported together) as published by one source.

The pandera schema is generated from the contract (contracts/schema.py: types, required
columns, non_negative, end_not_before_start); this dataset adds no check of its own.
"""
