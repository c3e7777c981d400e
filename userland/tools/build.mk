# Small tools: gcd-corediff (side-by-side program headers, used by make demo).
PROGS += gcd-corediff:userland/tools/corediff.c
USES_gcd-corediff := core
