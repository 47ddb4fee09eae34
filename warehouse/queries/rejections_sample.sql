-- The first $limit rejections of one dataset's current files, file by file and row by row.
select path, row_number, source_column, column_name, rule, value, message
from audit.current_rejections
where dataset = $dataset
order by path, row_number
limit $limit
