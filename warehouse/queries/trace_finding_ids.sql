-- The source rows behind one finding: every case's rows, the largest difference first.
-- $finding_id: audit.findings.finding_id
select unnest(source_row_ids) as source_row_id
from audit.finding_cases
where finding_id = $finding_id
order by abs(difference) desc nulls last, detail, message
