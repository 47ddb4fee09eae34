-- core.region_ancestors: every territory with itself and each territory above it (a city, its
-- region, its country), so that marts can roll figures up without guessing the hierarchy.
with recursive

regions as (
    select territory_id, parent_id from core.regions
),

chain(territory_id, ancestor_id, depth) as (
    select territory_id, territory_id, 0 from regions
    union all
    select c.territory_id, r.parent_id, c.depth + 1
    from chain as c
    inner join regions as r on r.territory_id = c.ancestor_id
    where r.parent_id is not null
),

final as (
    select territory_id, ancestor_id, depth from chain
)

select * from final
order by territory_id, depth
