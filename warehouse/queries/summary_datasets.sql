-- Per dataset: files by status, and rows read / loaded / rejected of the current files.
select
    dataset,
    count(*) filter (where status = 'loaded') as loaded,
    count(*) filter (where status = 'failed') as failed,
    count(*) filter (where status = 'duplicate') as duplicate,
    count(*) filter (where status = 'superseded') as superseded,
    coalesce(sum(rows_read) filter (where status = 'loaded'), 0) as rows_read,
    coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0) as rows_loaded,
    coalesce(sum(rows_rejected) filter (where status = 'loaded'), 0) as rows_rejected
from audit.source_files
where dataset <> ''  -- files in no dataset's folder are listed one by one (summary_file_lines)
group by dataset
order by dataset
