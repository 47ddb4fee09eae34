-- Every landed file version, with whether this run loaded it.
select
    file_id,
    dataset,
    path,
    status,
    sha256,
    size_bytes,
    source_spec,
    encoding,
    sheet,
    header_row,
    rows_read,
    rows_loaded,
    rows_rejected,
    error,
    superseded_by,
    landed_at::varchar as landed_at,
    loaded_at::varchar as loaded_at,
    run_id = $run_id as loaded_in_this_run
from audit.source_files
order by dataset, path, landed_at
