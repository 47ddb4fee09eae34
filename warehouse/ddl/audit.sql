-- Schemas of the warehouse layers and the audit tables. Idempotent: run at the start of every run.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists core;
create schema if not exists marts;
create schema if not exists audit;

-- One row per landed file version (a corrected file with the same name is a new version).
-- For every file with status 'loaded': rows_read = rows_loaded + rows_rejected.
create table if not exists audit.source_files (
    file_id       varchar primary key,   -- first 16 hex of sha256(dataset/path + content sha256)
    dataset       varchar not null,
    path          varchar not null,      -- relative to landing/<dataset>/
    sha256        varchar not null,      -- of the file's bytes
    size_bytes    bigint,
    source_spec   varchar,               -- contracts/sources/<name>.yaml, or 'auto'
    encoding      varchar,
    delimiter     varchar,
    sheet         varchar,
    header_row    integer,
    column_map    json,                  -- header -> column and unit; constants; unmapped headers
    status        varchar not null,      -- landed | loaded | failed | superseded | duplicate
    rows_read     integer,
    rows_loaded   integer,
    rows_rejected integer,
    error         varchar,
    superseded_by varchar,
    landed_at     timestamp,
    loaded_at     timestamp,
    run_id        varchar
);

-- One row per broken rule of a rejected source row (a row breaking two rules has two rows here).
create table if not exists audit.rejected_rows (
    file_id     varchar not null,
    dataset     varchar not null,
    path        varchar not null,
    sheet       varchar,
    row_number  integer not null,        -- as a spreadsheet program shows it
    source_column varchar not null default '',  -- a wide table's value column; '' otherwise
    column_name varchar not null,
    rule        varchar not null,        -- a rule of contracts/<dataset>/contract.yaml
    value       varchar,                 -- the cell as written
    message     varchar not null,
    run_id      varchar
);

-- Warehouses made before wide tables could be reshaped gain the column in place.
alter table audit.rejected_rows add column if not exists source_column varchar default '';

-- One row per run x checked table x check: every check of the run, passed or not. Contract rules
-- of staging (ecostat's parsers and the pandera models), the warehouse's SQL checks and the Great
-- Expectations suites of the marts all land here. It is the run log: each run adds its rows, and
-- nothing else in the warehouse changes when a run finds nothing new.
create table if not exists audit.validation_results (
    run_id        varchar not null,
    checked_at    timestamp not null,
    target        varchar not null,      -- schema.table checked
    check_name    varchar not null,
    engine        varchar not null,      -- contract | sql | great_expectations
    severity      varchar not null,      -- error (blocks the row, file or table) | warning (a finding)
    passed        boolean not null,
    rows_checked  bigint,
    rows_failed   bigint,
    description   varchar,
    failure_sample json,                 -- up to 20 failing rows or values
    primary key (run_id, target, check_name)
);
