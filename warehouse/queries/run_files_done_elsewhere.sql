-- Files a run found new or changed when it started that another run landed while it waited
-- (a sensor's run, a UI run started at the same moment). Grain: one row per file version.
select
    dataset || '/' || path as file,
    run_id,
    status,
    rows_read,
    rows_loaded,
    rows_rejected,
    error
from audit.source_files
where list_contains($files::varchar[], dataset || '/' || path)
  and run_id <> $run_id
  and status in ('loaded', 'failed', 'duplicate')
  and landed_at >= $since
order by file
