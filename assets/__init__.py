"""Dagster assets by layer: reference (seeds), raw (landing), staging (typed, validated),
core and marts (SQL models, checked by their Great Expectations suites and SQL rules), audit
(findings, the validation report), publish (the dashboard and the copy of the warehouse analysts read).
Every asset is built from a declaration: a dataset contract, a seed table in
seeds/reference/tables.yaml, or a SQL model's YAML.

The assets are gathered by pipelines/definitions.py, so that importing a transform of this
package (the reader, `ecostat check`) does not import Dagster and every asset."""
