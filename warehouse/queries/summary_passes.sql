-- The files one run staged again from raw (not new files), with what the pass released.
select dataset, path, reason, changed, rows_released, rows_newly_rejected
from audit.staging_passes
where run_id = $run_id and reason <> 'new file'
order by dataset, path
