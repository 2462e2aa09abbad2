#!/usr/bin/env bash
# Runs every test: the Catch2 suites (unit + one process per SystemC
# simulation) and pytest, all through ctest. Prints each runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
status=0
ctest --test-dir build --output-on-failure -V -j1 2>&1 | tee build/ctest.log \
  | grep -E "^[0-9]+: (Passed|All tests|test cases|assertions|Failed)|^[0-9]+: .*(passed|failed).* in [0-9.]+s|tests passed|Test +#|FAILED|^[0-9]+: layers:" || true
grep -q "100% tests passed" build/ctest.log || status=1
exit $status
