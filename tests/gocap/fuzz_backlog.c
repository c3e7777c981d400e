// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_backlog.c - libFuzzer target for the matcher of the context lines
 * of throws in the runtime's print backlog (gobacklog.c): the first input
 * byte picks the throw and the size of the output buffer, the rest is the
 * backlog.  Whatever it returns, the output must be a NUL-terminated string
 * that fits its buffer, and a match must be whole lines that the backlog
 * holds right before the throw's line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "go/gobacklog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fatals[] = {
	"fatal error: out of memory",
	"fatal error: stack overflow",
	"fatal error: thread exhaustion",
	"fatal error: newosproc",
	"fatal error: runtime: cannot map pages in arena address space",
	"fatal error: concurrent map writes",
	"not a fatal error",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t outlens[] = { 0, 1, 16, 64, GOBACKLOG_SIZE + 1 };
	const char *fatal, *b;
	size_t outlen, len, n, flen;
	char *out;
	int r;

	if (size < 1)
		return 0;
	fatal = fatals[data[0] % (sizeof(fatals) / sizeof(fatals[0]))];
	outlen = outlens[(data[0] >> 4) % (sizeof(outlens) / sizeof(outlens[0]))];
	b = (const char *)data + 1;
	len = size - 1;
	out = malloc(outlen ? outlen : 1);
	if (!out)
		return 0;
	r = gobacklog_throw_context(b, len, fatal, out, outlen);
	if (outlen && strnlen(out, outlen) >= outlen)
		abort();
	if (r) {
		n = strlen(out);
		flen = strlen(fatal);
		/* out + fatal + "\n" is the end of the backlog, in lines */
		if (!n || out[n - 1] != '\n' || n + flen + 1 > len ||
		    memcmp(b + len - flen - 1 - n, out, n) ||
		    memcmp(b + len - flen - 1, fatal, flen) || b[len - 1] != '\n')
			abort();
	}
	free(out);
	return 0;
}
