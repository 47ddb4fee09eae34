-- The run whose check results are the latest.
select run_id from audit.validation_results order by checked_at desc limit 1
