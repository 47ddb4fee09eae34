-- core.cleanup: one row per staged clean-up report (one source's figures for one territory and
-- period), with the territory harmonised through the gazetteer, the reporting year and the
-- composition worked out. Nothing is added up here: marts decide what may be summed.
with

staged as (
    select * from staging.cleanup
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

files as (
    select file_id, path, sha256 from audit.source_files
),

harmonised as (
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
        year(s.period_end) as year,
        year(s.period_start) <> year(s.period_end) as spans_years,
        case
            when s.period_start = s.period_end then 'day'
            when s.period_start = make_date(year(s.period_start), 1, 1)
                and s.period_end = make_date(year(s.period_start), 12, 31) then 'calendar_year'
            else 'period'
        end as period_kind,
        s.event_name,
        s.participants,
        s.organisations,
        s.events_count,
        s.waste_collected_t,
        s.plastic_t,
        s.glass_t,
        s.paper_t,
        s.metal_t,
        s.rubber_t,
        s.textile_t,
        s.other_t,
        s.volume_m3,
        s.source_title,
        s.source_url,
        coalesce(s.source_confidence, 'unrated') as source_confidence,
        coalesce(s.plastic_t, s.glass_t, s.paper_t, s.metal_t, s.rubber_t, s.textile_t, s.other_t)
            is not null as has_fractions
    from staged as s
    inner join regions as r on r.territory_id = s.territory_id
    left join files as f on f.file_id = s.file_id
),

final as (
    select
        *,
        case when has_fractions then
            coalesce(plastic_t, 0) + coalesce(glass_t, 0) + coalesce(paper_t, 0) + coalesce(metal_t, 0)
            + coalesce(rubber_t, 0) + coalesce(textile_t, 0) + coalesce(other_t, 0)
        end as fractions_t,
        case when has_fractions then
            coalesce(plastic_t, 0) + coalesce(glass_t, 0) + coalesce(paper_t, 0) + coalesce(metal_t, 0)
        end as recyclable_t,
        case when has_fractions then
            waste_collected_t - (
                coalesce(plastic_t, 0) + coalesce(glass_t, 0) + coalesce(paper_t, 0) + coalesce(metal_t, 0)
                + coalesce(rubber_t, 0) + coalesce(textile_t, 0) + coalesce(other_t, 0)
            )
        end as unallocated_t
    from harmonised
)

select * from final
order by territory_id, period_start, period_end, file_id, row_number, source_column
