"""Use cases: running a dialogue, importing and exporting, analysing, reporting. The CLI and web call these."""
