-- Per dataset x rule of the current files: failures (broken rules), rejected records (the
-- records of audit.current_rejected_rows that broke the rule) and files. $dataset: one dataset,
-- or null for all.
with

failures as (
    select dataset, rule, count(*) as failures
    from audit.current_rejections
    where $dataset::varchar is null or dataset = $dataset
    group by dataset, rule
),

records as (
    select dataset, rule, count(*) as rows, count(distinct file_id) as files
    from (
        select dataset, file_id, unnest(rules) as rule
        from audit.current_rejected_rows
        where $dataset::varchar is null or dataset = $dataset
    )
    group by dataset, rule
)

select dataset, rule, failures, rows, files
from failures
inner join records using (dataset, rule)
order by dataset, rule
