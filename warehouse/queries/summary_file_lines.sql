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
    select 3, dataset, path,
        'skipped ' || case when dataset = '' then 'landing/' else dataset || '/' end || path
            || ': ' || coalesce(error, '')
    from audit.source_files
    where status = 'skipped'
    union all
    -- The first ten headers and how many more: a workbook of 16,384 columns made one line of
    -- 365,677 characters.
    select 4, dataset, path,
        dataset || '/' || path || ': ' || n || case when n = 1 then ' header' else ' headers' end
            || ' not in the contract, kept in raw.'
            || dataset || '.extra: ' || array_to_string(list_slice(headers, 1, 10), ', ')
            || case when n > 10 then ' and ' || (n - 10) || ' more' else '' end
    from (
        select dataset, path,
            from_json(column_map -> '$.unmapped', '["VARCHAR"]') as headers,
            json_array_length(column_map -> '$.unmapped') as n
        from audit.source_files
        where status = 'loaded'
    )
    where n > 0
)

select line
from said
order by part, dataset, path
