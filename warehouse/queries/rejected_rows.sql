-- The first $per_rule rejections of each dataset x rule of the current files, file by file and
-- row by row. $dataset: one dataset, or null for all.
select dataset, path, sheet, row_number, source_column, column_name, rule, value, message
from (
    select
        *,
        row_number() over (partition by dataset, rule order by path, row_number, column_name) as n
    from audit.current_rejections
    where $dataset::varchar is null or dataset = $dataset
)
where n <= $per_rule
order by dataset, rule, path, row_number, column_name
