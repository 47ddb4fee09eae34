-- Every file version the warehouse has recorded, whatever became of it (loaded, failed,
-- superseded, duplicate): a landing sensor never asks to load one of them again.
-- Grain: one row per dataset x path x sha256.
select distinct dataset, path, sha256
from audit.source_files
where sha256 <> ''
