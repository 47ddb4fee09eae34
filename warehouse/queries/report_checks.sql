-- The checks of one run, staging's first: one row per table x check.
select
    target,
    check_name,
    engine,
    severity,
    passed,
    rows_checked,
    rows_failed,
    description,
    failure_sample,
    strftime(checked_at, '%Y-%m-%d %H:%M:%S') as checked_at
from audit.validation_results
where run_id = $run_id
order by split_part(target, '.', 1) = 'staging' desc, target, passed, check_name
