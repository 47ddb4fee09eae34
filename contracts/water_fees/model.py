"""Checks of staged water-fee rows (staging.water_fees).

Grain: one row per territory x period x fee type x payer group x budget level, as published by
one source. Currencies, formats, vocabularies and territories are enforced in staging.

The pandera schema is generated from the contract (contracts/schema.py: types, required
columns, non_negative, end_not_before_start); this dataset adds no check of its own.
"""
