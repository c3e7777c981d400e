// SPDX-License-Identifier: GPL-2.0
/*
 * gobacklog.c - the runtime's print backlog, and the context lines of
 * throws recovered from it (see gobacklog.h).
 *
 * runtime.printBacklog and printBacklogIndex are unexported globals; a
 * stripped binary names neither, so they are found as goroots.c finds the
 * scheduler's roots: from the code of runtime.recordForPanic, the one
 * function that writes them.  In every release gocap reads it takes the
 * address of printBacklog twice (LEA) and loads or stores
 * printBacklogIndex three times; a global it only reads once is
 * runtime.panicking, and one whose address it takes once is
 * runtime.debuglock (printunlock inlined).  A candidate that is not
 * unique is not taken.
 */
#include <stdlib.h>
#include <string.h>

#include "go/gobacklog.h"

#define MAX_FUNC_BYTES	4096u
#define MAX_TARGETS	64

/*
 * The lines the runtime prints right before each throw that has any, in
 * print order, as in runtime/{mheap,stack,proc,os_linux,mem_linux}.go of
 * Go 1.19 to 1.27 (the same in all of them).  %d is a decimal number,
 * %x a hexadecimal one with 0x; a line starting with '?' may be absent.
 */
static const struct throw_context {
	const char *text;	/* the throw's text */
	const char *lines[3];
} contexts[] = {
	{ "out of memory", {
		"runtime: out of memory: cannot allocate %d-byte block (%d in use)",
	} },
	{ "stack overflow", {
		"runtime: goroutine stack exceeds %d-byte limit",
		"runtime: sp=%x stack=[%x, %x]",
	} },
	{ "thread exhaustion", {
		"runtime: program exceeds %d-thread limit",
	} },
	{ "newosproc", {
		"runtime: failed to create new OS thread (have %d already; errno=%d)",
		"?runtime: may need to increase max user processes (ulimit -u)",
	} },
	{ "runtime: cannot map pages in arena address space", {
		"runtime: mmap(%x, %d) returned %x, %d",
	} },
};

/* Does the line s[0, n) match the pattern pat? */
static int line_matches(const char *s, size_t n, const char *pat)
{
	size_t i = 0, k;

	for (; *pat; pat++) {
		if (*pat != '%' || (pat[1] != 'd' && pat[1] != 'x')) {
			if (i >= n || s[i] != *pat)
				return 0;
			i++;
			continue;
		}
		pat++;
		if (*pat == 'x') {
			if (i + 2 > n || s[i] != '0' || s[i + 1] != 'x')
				return 0;
			i += 2;
		} else if (i < n && s[i] == '-') {
			i++;
		}
		for (k = i; i < n && ((s[i] >= '0' && s[i] <= '9') ||
				      (*pat == 'x' && s[i] >= 'a' &&
				       s[i] <= 'f')); i++)
			;
		if (i == k)
			return 0;
	}
	return i == n;
}

int gobacklog_throw_context(const char *b, size_t len, const char *fatal,
			    char *out, size_t outlen)
{
	const struct throw_context *t = NULL;
	size_t flen = strlen(fatal), i, end, start, first;
	const char *text;
	int j, whole;

	if (outlen)
		out[0] = '\0';
	if (strncmp(fatal, "fatal error: ", 13))
		return 0;
	text = fatal + 13;
	for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++)
		if (!strcmp(contexts[i].text, text))
			t = &contexts[i];
	/* Leading NULs: the buffer never wrapped, so its first byte starts a
	 * line; else the first line may be the tail of a longer one. */
	for (first = 0; first < len && !b[first]; first++)
		;
	whole = first > 0;
	if (!t || len - first < flen + 1 || b[len - 1] != '\n' ||
	    memcmp(b + len - 1 - flen, fatal, flen))
		return 0;
	end = len - 1 - flen;	/* the context lines end here */
	if (end > first && b[end - 1] != '\n')
		return 0;
	start = end;
	for (j = 2; j >= 0; j--) {
		const char *pat = t->lines[j];
		size_t ls;

		if (!pat)
			continue;
		/* The line before start: [ls, start - 1). */
		ls = start > first ? start - 1 : first;
		while (ls > first && b[ls - 1] != '\n')
			ls--;
		if (start > first && (ls > first || whole) &&
		    line_matches(b + ls, start - 1 - ls, pat + (*pat == '?'))) {
			start = ls;
			continue;
		}
		if (*pat != '?')
			return 0;
	}
	if (start == end || end - start + 1 > outlen)
		return 0;
	memcpy(out, b + start, end - start);
	out[end - start] = '\0';
	return 1;
}

struct targets {
	struct { uint64_t addr; unsigned int n, kind; } t[MAX_TARGETS];
	size_t n;
};

static void add_target(void *arg, uint64_t addr, unsigned int kind)
{
	struct targets *t = arg;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->t[i].addr == addr && t->t[i].kind == kind) {
			t->t[i].n++;
			return;
		}
	}
	if (t->n < MAX_TARGETS) {
		t->t[t->n].addr = addr;
		t->t[t->n].kind = kind;
		t->t[t->n].n = 1;
		t->n++;
	}
}

/* The one target of kind referenced at least twice, or 0. */
static uint64_t twice(const struct targets *t, unsigned int kind)
{
	uint64_t found = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->t[i].kind != kind || t->t[i].n < 2)
			continue;
		if (found)
			return 0;
		found = t->t[i].addr;
	}
	return found;
}

long gobacklog_read(const struct goproc *p, char *buf, size_t buflen)
{
	uint8_t raw[GOBACKLOG_SIZE];
	struct targets t = { .n = 0 };
	uint64_t arr, idx_addr, idx;
	struct pcfunc f;
	size_t n;

	if (buflen < GOBACKLOG_SIZE + 1 || !p->arch || !p->arch->code_refs ||
	    pclntab_func_by_name(&p->tab, "runtime.recordForPanic", &f) ||
	    f.end <= f.entry || f.end - f.entry > MAX_FUNC_BYTES)
		return -1;
	p->arch->code_refs(&p->mem, f.entry, f.end, add_target, &t);
	arr = twice(&t, ARCH_REF_ADDR);
	idx_addr = twice(&t, ARCH_REF_ACCESS);
	if (!arr || !idx_addr ||
	    procmem_u64(&p->mem, idx_addr, &idx) || idx >= GOBACKLOG_SIZE ||
	    procmem_read(&p->mem, arr, raw, sizeof(raw)))
		return -1;
	n = GOBACKLOG_SIZE - (size_t)idx;
	memcpy(buf, raw + idx, n);
	memcpy(buf + n, raw, (size_t)idx);
	buf[GOBACKLOG_SIZE] = '\0';
	return GOBACKLOG_SIZE;
}
