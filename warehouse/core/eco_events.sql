-- core.eco_events: one row per staged event report, harmonised: gazetteer territory, the year
-- and quarter the event began in, whether it lasted several days.
with

staged as (
    select * from staging.eco_events
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

files as (
    select file_id, path, sha256 from audit.source_files
),

final as (
    select
        s.file_id,
        s.row_number,
        s.source_column,
        s.file_id || ':' || s.row_number
            || case when s.source_column <> '' then ':' || s.source_column else '' end as source_row_id,
        f.path as source_path,
        f.sha256 as source_sha256,
        s.territory as territory_as_written,
        s.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        s.period_start,
        s.period_end,
        year(s.period_start) as year,
        quarter(s.period_start) as quarter,
        s.period_end > s.period_start as is_multi_day,
        s.period_start = make_date(year(s.period_start), 1, 1)
            and s.period_end = make_date(year(s.period_start), 12, 31) as reported_for_whole_year,
        s.event_type,
        s.title,
        lower(regexp_replace(s.title, '\s+', ' ', 'g')) as title_key,
        s.organiser,
        s.purpose,
        s.events_count,
        s.participants,
        s.source_title,
        s.source_url,
        coalesce(s.source_confidence, 'unrated') as source_confidence
    from staged as s
    inner join regions as r on r.territory_id = s.territory_id
    left join files as f on f.file_id = s.file_id
)

select * from final
order by territory_id, period_start, event_type, file_id, row_number, source_column
