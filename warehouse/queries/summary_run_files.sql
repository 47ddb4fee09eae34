-- The files one run landed or staged, each with what became of it. Grain: one row per file
-- version whose record this run wrote (new, a new version, staged again, failed, duplicate).
select
    dataset || '/' || path as file,
    status,
    rows_read,
    rows_loaded,
    rows_rejected,
    error
from audit.source_files
where run_id = $run_id and status in ('loaded', 'failed', 'duplicate')
order by dataset, path
