-- Rejected records of the current files per dataset x rule (a record breaking two rules counts
-- under both).
select dataset, rule, count(*) as n_rows
from (select dataset, unnest(rules) as rule from audit.current_rejected_rows)
group by dataset, rule
order by dataset, n_rows desc, rule
