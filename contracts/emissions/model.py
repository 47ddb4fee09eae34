"""Checks of staged air-emission rows (staging.emissions).

Grain: one row per territory x period x pollutant x source scope x basis, as published by one
source. Formats, units, vocabularies and territories are enforced in staging; this model checks
the typed rows.

The pandera schema is generated from the contract (contracts/schema.py: types, required
columns, non_negative, end_not_before_start); this dataset adds no check of its own.
"""
