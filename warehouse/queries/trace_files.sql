-- The files behind each traced row's ids, in the order their first row was named, with the
-- count of rows named in each.
select i.trace, f.file_id, f.dataset, f.path, f.sha256, f.sheet, f.status,
       count(*) as rows, min(i.position) as first
from _trace_parsed as i join audit.source_files as f using (file_id)
group by all
order by i.trace, first
