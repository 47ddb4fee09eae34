-- What the summary says of single files: failed ones, notes of loaded ones (HTML taken out of
-- cells, say), skipped ones, and headers not in the contract; in that order.
with

said as (
    select 1 as part, dataset, path, 'FAILED ' || dataset || '/' || path || ': ' || coalesce(error, '') as line
    from audit.source_files
    where status = 'failed'
    union all
    select 2, dataset, path, dataset || '/' || path || ': ' || notes
    from audit.source_files
    where status = 'loaded' and notes is not null
    union all
    select 3, dataset, path, 'skipped ' || dataset || '/' || path || ': ' || coalesce(error, '')
    from audit.source_files
    where status = 'skipped'
    union all
    select 4, dataset, path,
        dataset || '/' || path || ': headers not in the contract, kept in raw.' || dataset
            || '.extra: ' || (column_map ->> '$.unmapped')
    from audit.source_files
    where status = 'loaded' and json_array_length(column_map -> '$.unmapped') > 0
)

select line
from said
order by part, dataset, path
