-- What one run read of the landing folder, for the record of a good run (pipelines/last_run.py).
-- Grain: one row per file under landing/<dataset>/ that the run read or saw and passed over as
-- not a submission; files left for the next run (settling, changing, vanished) are not here, so
-- that the next run takes them as new.
select
    'landing/' || dataset || '/' || path as name,
    cast(size_bytes as varchar) || ':' || cast(epoch_ns(modified_at) as varchar)
        || coalesce(':' || sha256, '') as state
from audit.file_reads
where run_id = $run_id
  and outcome in ('read', 'skipped')
  and size_bytes is not null
  and modified_at is not null
order by name
