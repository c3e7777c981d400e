#!/bin/sh
# mutants.sh [NAME...]: show that each triage test fails without the
# feature it tests (tests/triage/mutants.table, run by scripts/mutants.sh
# on tests/triage/host.sh, GOCD_TRIAGE_VERSIONS default "1.19 1.27").  Not
# part of `make check`; run by hand after changing gocap's triage views or
# their tests.
export GOCD_TRIAGE_VERSIONS="${GOCD_TRIAGE_VERSIONS:-1.19 1.27}"
exec "$(dirname "$0")/../../scripts/mutants.sh" triage "$@"
