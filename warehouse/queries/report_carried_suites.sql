-- The tables whose Great Expectations results this run carried over from an earlier run (table
-- and suite unchanged since), with that run.
select target, carried_from_run_id
from audit.suite_runs
where run_id = $run_id and carried_from_run_id is not null
order by target
