"""Checks of staged air-monitoring rows (staging.air_monitoring).

Grain: one row per territory x period x kind of instrument x operator, as published by one
source. Vocabularies, counts and territories are enforced in staging.

The pandera schema is generated from the contract (contracts/schema.py: types, required
columns, non_negative, end_not_before_start); this dataset adds no check of its own.
"""
