-- Of one dataset's current files: broken rules and rejected records.
select
    (select count(*) from audit.current_rejections where dataset = $dataset) as failures,
    (select count(*) from audit.current_rejected_rows where dataset = $dataset) as rows
