#!/bin/sh
# The longer hostile-input run: every fuzzer and schemathesis with many more examples than the suite's budget.
# Usage: benchmarks/fuzz/run.sh [examples]   (default 100; results and timings go to benchmarks/fuzz/README.md)
set -eu
cd "$(dirname "$0")/../.."
N="${1:-100}"
for test in tests/polis/test_import_fuzz.py tests/services/test_listening_import_fuzz.py \
    tests/web/test_form_fuzz.py tests/web/test_openapi_conformance.py; do
    start=$(date +%s)
    WORKINGUP_FUZZ_EXAMPLES="$N" PYTHONPATH=src .venv/bin/python -m pytest "$test" -q -p no:cacheprovider
    echo "$test: $(( $(date +%s) - start )) s with $N examples"
done
