-- Schemas of the warehouse layers and the audit tables. Idempotent: run at the start of every run.
-- No PRIMARY KEY (DuckLake has none): each table's key is declared in warehouse/keys.py, kept by
-- the statements that write it and checked before every publication.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists core;
create schema if not exists marts;
create schema if not exists audit;

-- One row per landed file version (a corrected file with the same name is a new version).
-- For every file with status 'loaded': rows_read = rows_loaded + rows_rejected.
create table if not exists audit.source_files (
    file_id       varchar not null,      -- key; first 16 hex of sha256(dataset/path + content sha256)
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
    status        varchar not null,      -- landed | loaded | failed | superseded | duplicate | skipped | removed (skipped, since gone)
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

-- The rejections of the current files (loaded, not superseded by a newer version): one row per
-- broken rule. What the summary, the report and the staging checks list and count as failures.
create or replace view audit.current_rejections as
select r.*
from audit.rejected_rows as r
inner join audit.source_files as f using (file_id)
where f.status = 'loaded';

-- One row per rejected record of a current file: a source row, or one value column of a wide
-- table's row (file_id, row_number, source_column), with the rules it broke. "Rows rejected"
-- is a count of this view everywhere, as audit.source_files.rows_rejected is per file.
create or replace view audit.current_rejected_rows as
select
    file_id,
    dataset,
    path,
    sheet,
    row_number,
    source_column,
    list_sort(list(distinct rule)) as rules,
    count(*) as failures
from audit.current_rejections
group by file_id, dataset, path, sheet, row_number, source_column;

-- The version of the rules a file was staged under (audit.rule_versions). When the rules of its
-- dataset change (contract, gazetteer, overlays, units, ecostat's parsers) or its source spec's
-- staging options do, the next run stages the file again from raw.
alter table audit.source_files add column if not exists rules_fingerprint varchar;

-- What staging changed in the text of a loaded file's cells, said rather than done silently
-- ("HTML taken out of 1 cell of purpose").
alter table audit.source_files add column if not exists notes varchar;

-- One row per version of a dataset's rules: what staging applied, as fingerprints of its parts
-- (contract, reference tables, parsers), so that a change between two versions can be named.
create table if not exists audit.rule_versions (
    fingerprint   varchar not null,      -- key; first 16 hex of sha256 over the components
    dataset       varchar not null,
    components    json not null,         -- part -> fingerprint of that part
    first_run_id  varchar,
    first_seen_at timestamp
);

-- One row per staging of a file: the first one, and every one after a change of its rules.
create table if not exists audit.staging_passes (
    file_id           varchar not null,
    dataset           varchar not null,
    path              varchar not null,
    run_id            varchar not null,
    staged_at         timestamp not null,
    reason            varchar not null,  -- new file | rules changed | source spec changed | reload requested
    changed           varchar,           -- what changed since the last pass (parts of the rules)
    fingerprint_before varchar,
    fingerprint       varchar not null,
    rows_read         integer,
    rows_loaded       integer,
    rows_rejected     integer,
    rows_released     integer,           -- rejected before this pass, loaded now
    rows_newly_rejected integer          -- loaded before this pass, rejected now
);

-- Every rejection a later staging of the file replaced, with what became of it: the row was
-- released (it loads now), is still rejected for this rule, or is rejected for other rules only.
-- audit.rejected_rows holds the rejections that stand.
create table if not exists audit.rejection_history (
    file_id        varchar not null,
    dataset        varchar not null,
    path           varchar not null,
    sheet          varchar,
    row_number     integer not null,
    source_column  varchar not null default '',
    column_name    varchar not null,
    rule           varchar not null,
    value          varchar,
    message        varchar not null,
    rejected_run_id varchar,             -- the run that recorded the rejection
    rejected_fingerprint varchar,        -- under which version of the rules
    revalidated_run_id varchar not null, -- the run that staged the file again
    revalidated_at timestamp not null,
    revalidated_fingerprint varchar,
    change         varchar,              -- what changed in the rules (as in audit.staging_passes)
    outcome        varchar               -- released | still_rejected | rejected_otherwise
);

-- One row per source row released from quarantine: rejected under one version of the rules,
-- loaded under a later one.
create or replace view audit.released_rows as
select
    file_id,
    dataset,
    path,
    sheet,
    row_number,
    source_column,
    string_agg(distinct rule, ', ' order by rule) as rules,
    string_agg(distinct message, '; ' order by message) as messages,
    any_value(rejected_fingerprint) as rejected_under,
    any_value(revalidated_fingerprint) as released_under,
    any_value(change) as released_by,
    any_value(revalidated_run_id) as released_in_run,
    max(revalidated_at) as released_at
from audit.rejection_history
where outcome = 'released'
group by file_id, dataset, path, sheet, row_number, source_column, revalidated_run_id;

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
    failure_sample json                  -- up to 20 failing rows or values
);

-- One row per run x table whose Great Expectations suite the run recorded. A table whose rows
-- (count and an order-free hash of every row) and suite are those of an earlier run is not
-- validated again: that run's results are recorded for this run too, and carried_from_run_id
-- names it. Great Expectations is then not even imported (5 s of a run, plus about 33 ms per
-- expectation).
create table if not exists audit.suite_runs (
    run_id              varchar not null,
    checked_at          timestamp not null,
    target              varchar not null,  -- schema.table
    table_fingerprint   varchar not null,  -- rows:hash of the table's content
    suite_fingerprint   varchar not null,  -- sha256 of the suite (expectations, arguments, severity)
    carried_from_run_id varchar            -- the run whose results were carried over, or null
);

-- The last build of each reference table (core.<name> from seeds/reference and the home's
-- overlays, assets/reference): a table whose inputs (every seed and overlay file of the
-- reference set, their declarations and the loader) are those of its last build is not built
-- again, and its asset reports the same Dagster data version, so nothing downstream looks stale.
create table if not exists audit.reference_builds (
    table_name         varchar not null,     -- key; core.<name>
    inputs_fingerprint varchar not null,     -- sha256 of the reference set's files and the loader
    table_fingerprint  varchar not null,     -- rows:hash of the table's content (the data version)
    rows_built         bigint not null,
    built_at           timestamp not null,
    run_id             varchar
);

-- What each run read of the landing folder, as it read it: one row per run x file under
-- landing/<dataset>/. The state is taken when the file is read (size and modification time
-- before the read, SHA-256 of the bytes read), so that "nothing new since the last good run"
-- (pipelines/last_run.py) compares today's files with what was read, never with what was there
-- when the run ended. outcome: read (its bytes were read; audit.source_files says what became
-- of them) | skipped (not a submission: hidden, a lock file, a link out of the landing folder) |
-- settling (modified less than the settle time before: left for the next run) | changing
-- (its size or time changed while it was read: not staged, left for the next run) | vanished
-- (deleted between listing and reading).
create table if not exists audit.file_reads (
    run_id      varchar not null,
    dataset     varchar not null,
    path        varchar not null,        -- relative to landing/<dataset>/
    outcome     varchar not null,
    size_bytes  bigint,
    modified_at timestamp_ns,            -- the file's modification time when it was read
    sha256      varchar,                 -- of the bytes read ('read' only)
    message     varchar,                 -- why a file was not read, and what to do
    read_at     timestamp
);

-- The file versions a table built by file version holds (core.<dataset>, partitioned_by:
-- file_version in its YAML; warehouse/by_file.py): one row per table x file version, with the
-- staged partition its rows were built from and the fingerprint of everything else they were
-- built from (the SQL, the macros, the reference tables read). A run rebuilds the rows of the
-- file versions whose partition changed, added or went, and the whole table only when that
-- fingerprint changed.
create table if not exists audit.model_partitions (
    target             varchar not null,   -- schema.table
    file_id            varchar not null,
    partition_name     varchar not null,   -- staging.partitions.partition_name
    inputs_fingerprint varchar not null,
    rows_built         bigint not null,
    built_at           timestamp not null
);

-- The Great Expectations results of a table built by file version, one row per check x batch
-- (the file versions one suite run validated together). A batch's results stand while every
-- one of its partitions is still in the table, built from the same inputs, and the suite is
-- the same; the table's result is the sum of its batches'. A run validates only the rows of
-- file versions no standing batch covers (the new ones, and those of a batch that lost one).
create table if not exists audit.suite_batches (
    target             varchar not null,
    batch_id           varchar not null,
    partitions         varchar[] not null, -- partition names (file_id~pass) validated together
    inputs_fingerprint varchar not null,   -- audit.model_partitions' when they were validated
    suite_fingerprint  varchar not null,
    run_id             varchar not null,   -- the run that validated them
    checked_at         timestamp not null,
    check_name         varchar not null,
    severity           varchar not null,
    passed             boolean not null,
    rows_checked       bigint,
    rows_failed        bigint,             -- null when the expectation could not run
    description        varchar,
    failure_sample     json
);

-- Every publication into the lake analysts read (warehouse/lake.py), one row per run that
-- passed its checks: the row is written just before the copy, so each publication is one
-- snapshot of the lake holding its own row. `ecostat query --as-of RUN_ID` reads one of them.
create table if not exists audit.publications (
    run_id       varchar not null,
    published_at timestamp with time zone not null
);
