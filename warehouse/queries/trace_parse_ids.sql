-- The traced source row ids (registered as _trace_ids: trace, the traced row; position, the
-- id's place among that row's; source_row_id), split into file_id : row_number
-- [: source_column], as a temporary view the next two queries read.
create or replace temp view _trace_parsed as
select trace, position, source_row_id,
       split_part(source_row_id, ':', 1) as file_id,
       try_cast(split_part(source_row_id, ':', 2) as bigint) as row_number,
       coalesce(nullif(regexp_extract(source_row_id, '^[^:]*:[^:]*:(.*)$', 1), ''), '')
           as source_column
from _trace_ids
