-- Unit alias (lower case) -> unit and factor to the base unit, to say how a cell was read.
select lower(alias) as alias, unit, factor_to_base from core.units
