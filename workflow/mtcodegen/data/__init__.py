"""Data preparation: benchmark rows in their own schemas -> Problem records (docs/contracts.md §1, docs/data.md).

One module per source format (code_contests, taco, humaneval, mbpp, sandboxfusion); `prepare` runs a format's
normalizer over the rows that `sources` loads through Hugging Face `datasets`, and `cli`/`partition` are the
`mtcodegen prepare-data` / `mtcodegen partition` commands. Kept import-light: the reference worker imports
this package in a subprocess.
"""
