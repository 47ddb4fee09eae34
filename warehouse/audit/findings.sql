-- audit.findings: what an auditor should look at, one row per finding (type x dataset x
-- territory x year x subject), with its numbers and how many cases stand behind it. The cases
-- themselves, with every source row, are in the view audit.finding_cases.
--
-- One aggregation pass over the cases, which streams: a file of ten million clean-up reports
-- gives ten million cases and about a thousand findings. A case's rank is its difference (the
-- largest first), then its detail, first row and message, so that the case a finding shows and the
-- rows it keeps are the same on every run.
with

cases as (
    select
        *,
        {'size': coalesce(abs(difference), -1), 'detail': coalesce(detail, ''),
         'row': coalesce(source_row_ids[1], ''), 'message': message} as rank
    from audit.finding_cases
),

per_finding as (
    select
        finding_id,
        finding_type,
        max(severity) as severity,  -- warning before info
        dataset,
        territory_id,
        year,
        subject,
        count(*) as cases,
        -- the same case reported again (two copies of a file), or different cases
        min(detail) is not distinct from max(detail)
            and min(expected_value) is not distinct from max(expected_value)
            and min(observed_value) is not distinct from max(observed_value) as one_case,
        sum(len(source_row_ids))::bigint as source_rows,
        arg_max({'expected_value': expected_value, 'observed_value': observed_value,
                 'difference': difference, 'unit': unit, 'message': message, 'detail': detail},
                rank) as largest,
        -- a bounded sample of the rows behind it: those of its ten largest cases
        list_sort(list_distinct(flatten(arg_max(source_row_ids, rank, 10)))) as source_row_ids
    from cases
    group by finding_id, finding_type, dataset, territory_id, year, subject
),

final as (
    select
        finding_id,
        finding_type,
        severity,
        dataset,
        territory_id,
        year,
        subject,
        largest.expected_value,
        largest.observed_value,
        largest.difference,
        -- What the finding changes (#31.11): the difference as a share of the larger figure
        -- (1: all of it); findings rank by it, a rounding-sized difference last.
        abs(largest.difference)
            / nullif(greatest(abs(largest.expected_value), abs(largest.observed_value)), 0)
            as share_changed,
        largest.unit,
        case
            when cases = 1 then largest.message
            when one_case then largest.message || format(' ({} reports of it)', cases)
            else format('{} cases in {}; the largest ({}): {}', cases, year,
                        coalesce(largest.detail, 'one of them'), largest.message)
        end as message,
        cases,
        source_rows,
        source_row_ids
    from per_finding
)

select * from final
order by severity = 'warning' desc, share_changed desc nulls last, finding_type, dataset,
    territory_id, year, subject
