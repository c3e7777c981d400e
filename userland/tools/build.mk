# Small tools: gcd-corediff (side-by-side program headers, used by make
# demo); goelf-info (what goelf_probe() finds in a file, for
# tests/fatal/host.sh).
PROGS += gcd-corediff:userland/tools/corediff.c
USES_gcd-corediff := core
TOOLS += goelf-info:userland/tools/goelf_info.c
USES_goelf-info := core
