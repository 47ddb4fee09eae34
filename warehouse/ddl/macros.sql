-- Macros the SQL models share. Created with the schemas, so they are in every warehouse.

-- Preference between sources reporting the same figure: high > medium > low > unrated.
create or replace macro confidence_rank(confidence) as
    case confidence when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end;
