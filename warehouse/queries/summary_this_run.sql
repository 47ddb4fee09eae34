-- What one run changed, in files. Grain: one row.
--   new            file versions this run landed whose path had none before (a failed or
--                  duplicate one included: it is new, and the summary says what became of it)
--   replaced       file versions this run landed that replaced an earlier version of their path
--   staged_again   loaded files this run staged again from raw (rules, source spec, reload),
--                  with the rows that released
--   unchanged      current files (loaded or failed) that were there before and were left alone
-- A file's run_id is the run that landed it, or the last that staged it: a file staged again
-- has a pass of this run whose reason is not 'new file'.
with again as (
    select file_id, rows_released
    from audit.staging_passes
    where run_id = $run_id and reason <> 'new file'
),
landed as (
    select f.file_id
    from audit.source_files as f
    where f.run_id = $run_id and f.status <> 'skipped'
      and f.file_id not in (select file_id from again)
),
replacing as (
    select distinct superseded_by as file_id
    from audit.source_files
    where superseded_by in (select file_id from landed)
)
select
    (select count(*) from landed where file_id not in (select file_id from replacing)) as new,
    (select count(*) from replacing) as replaced,
    (select count(*) from again) as staged_again,
    (select coalesce(sum(rows_released), 0) from again) as rows_released,
    (select count(*) from audit.source_files
     where status in ('loaded', 'failed')
       and file_id not in (select file_id from landed)
       and file_id not in (select file_id from again)) as unchanged
