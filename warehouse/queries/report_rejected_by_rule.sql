-- Per dataset x rule of the current files: failures (broken rules), rejected records and files.
with

failures as (
    select dataset, rule, count(*) as failures
    from audit.current_rejections
    group by dataset, rule
),

records as (
    select dataset, rule, count(*) as rows, count(distinct file_id) as files
    from (select dataset, file_id, unnest(rules) as rule from audit.current_rejected_rows)
    group by dataset, rule
)

select dataset, rule, failures, rows, files
from failures
inner join records using (dataset, rule)
order by dataset, rule
