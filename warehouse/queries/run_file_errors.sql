-- The errors recorded against files by one run (a full disk among them, said in the run's last
-- line). Grain: one row per file version with an error.
select error
from audit.source_files
where run_id = $run_id and error is not null
