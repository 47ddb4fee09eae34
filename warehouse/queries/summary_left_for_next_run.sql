-- Files one run did not read and left for the next: still settling, changing while read, or
-- deleted after they were listed. Grain: one row per file, with why.
select dataset || '/' || path as file, outcome, message
from audit.file_reads
where run_id = $run_id and outcome in ('settling', 'changing', 'vanished')
order by file
