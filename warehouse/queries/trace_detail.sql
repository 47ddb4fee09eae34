-- The first $detail_rows ids of each traced row, each with its file's audit record.
select i.*, f.dataset, f.path, f.sha256, f.sheet, f.header_row, f.source_spec,
       f.encoding, f.status, f.loaded_at::varchar as loaded_at, f.column_map
from _trace_parsed as i left join audit.source_files as f using (file_id)
where i.position < $detail_rows
order by i.trace, i.position
