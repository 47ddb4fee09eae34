-- The checks of one run on the tables a traced row passed through.
-- $run_id; $tables: a list of schema.table
select target, check_name, engine, severity, passed, rows_checked, rows_failed
from audit.validation_results
where run_id = $run_id and list_contains($tables, target)
order by target, passed, check_name
