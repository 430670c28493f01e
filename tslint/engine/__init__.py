"""The per-file machinery below the run-level API (tslint.api): reading and parsing a file
(parsing), showing its compiled functions to the rules (dispatch), one file's two phases (phases),
and the worker processes that run them (workers). Nothing here imports tslint.api."""
