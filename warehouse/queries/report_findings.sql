-- Every finding, the ones to review first: warnings, then by what they change (share_changed).
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
    share_changed,
    unit,
    message,
    cases,
    source_rows,
    source_row_ids
from audit.findings
order by severity = 'warning' desc, share_changed desc nulls last, finding_type, dataset,
    territory_id, year
