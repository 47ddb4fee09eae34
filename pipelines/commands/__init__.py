"""The `ecostat` commands, one module per group; pipelines/cli.py puts them together.

common.py        exit codes, errors (stderr, one line), the data home, the readers' connection
run.py           run, reload, init, home: the commands that write the data home
read.py          query, export, trace, digest: the commands that read the warehouse
files.py         check, extract: one file read as a run would; figures found in reports
declarations.py  docs, reference build: what is generated from declarations and sources
"""
