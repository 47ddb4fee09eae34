-- Every finding, the ones to review first.
select
    finding_id,
    finding_type,
    severity,
    dataset,
    territory_id,
    year,
    subject,
    expected_value,
    observed_value,
    difference,
    unit,
    message,
    cases,
    source_rows,
    source_row_ids
from audit.findings
order by severity = 'warning' desc, finding_type, dataset, territory_id, year
