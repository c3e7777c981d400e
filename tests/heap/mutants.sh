#!/bin/sh
# mutants.sh [NAME...]: show that each gocap heap test fails without the
# feature it tests (tests/heap/mutants.table, run by scripts/mutants.sh on
# tests/heap/host.sh, GOCD_HEAP_VERSIONS default "1.19 1.27").  Not part of
# `make check`; run by hand after changing gocap heap or its tests.
export GOCD_HEAP_VERSIONS="${GOCD_HEAP_VERSIONS:-1.19 1.27}"
exec "$(dirname "$0")/../../scripts/mutants.sh" heap "$@"
