# tests/triage: the snapshot consistency checker (also built static for the
# lab's guests by scripts/lab.sh).
TOOLS += snapcheck:tests/triage/snapcheck.c
