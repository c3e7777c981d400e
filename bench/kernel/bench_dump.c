// SPDX-License-Identifier: GPL-2.0
/*
 * bench_dump - dump-time benchmarks of gocoredump.ko, run in the lab's
 * guest (bench/kernel/run.sh).  Not a test: it prints figures.
 *
 *   bench_dump heap EXE MIB REPS
 *       A Go process with MIB of live heap, killed with SIGABRT, dumped to
 *       tmpfs; alternately without the module (unloaded: the stock dump)
 *       and with it (default knobs).  The time is do_coredump()'s, as the
 *       function_graph tracer measures it: the dump itself, not the Go
 *       runtime's crash handling or the test's process handling, which
 *       under TCG are noisier than the effect measured.
 *
 *   bench_dump threads EXE N REPS
 *       A Go process with N OS threads, dumped alternately with note=0 and
 *       note=1; the time is elf_core_dump()'s as the caller sees it, which
 *       with the module loaded is gocoredump's replacement: building the
 *       note, then the whole ELF writing; not the wait for the N threads
 *       to stop, which dominates do_coredump() and is the same with and
 *       without the note.  The difference, per thread, is the note's cost;
 *       it is far below the noise of a TCG guest, so the note's own work
 *       is also timed directly: gcd_note_prepare() (gathering every
 *       thread's record) plus gcd_note_dump_skip_to() (writing the note).
 *
 * Runs alternate so that drift of the host (TCG) hits both sides alike;
 * medians are reported.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define TRACING "/sys/kernel/tracing/"

/*
 * Trace the durations of the functions fns (space separated) with
 * function_graph.  The filter hooks those functions only: graphing
 * everything and showing a few would slow every kernel function down and
 * measure the tracer.  (Module functions drop out of the filter when the
 * module is unloaded: set this up again after reloading it.)
 */
/*
 * Write "value\n" as the shell's "echo value > file" does: O_TRUNC (the
 * filter files append otherwise), a newline (ftrace's parser takes a token
 * when it sees its end), and as many write()s as it takes (the filter
 * files take one token per write).
 */
static int tracefs_write(const char *file, const char *value)
{
	char path[128], line[256];
	int fd, n, ok, done;

	snprintf(path, sizeof(path), TRACING "%s", file);
	n = snprintf(line, sizeof(line), "%s\n", value);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		fprintf(stderr, "bench_dump: open %s: %m\n", path);
		return -1;
	}
	for (ok = 1, done = 0; ok && done < n; ) {
		ssize_t w = write(fd, line + done, n - done);

		ok = w > 0;
		done += ok ? w : 0;
	}
	if (!ok)
		fprintf(stderr, "bench_dump: write '%s' to %s: %m\n", value, path);
	close(fd);
	return ok ? 0 : -1;
}

static int trace_function(const char *fns)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("current_tracer", "nop");
	if (tracefs_write("set_ftrace_filter", fns) ||
	    tracefs_write("set_graph_function", fns) ||
	    tracefs_write("max_graph_depth", "0") ||
	    tracefs_write("current_tracer", "function_graph")) {
		fprintf(stderr, "bench_dump: cannot trace %s with function_graph\n",
			fns);
		return -1;
	}
	/* Name the function on its closing brace too. */
	tracefs_write("trace_options", "funcgraph-tail");
	return tracefs_write("tracing_on", "1");
}

/*
 * Duration in seconds of the longest call to fn in the trace, read from
 * function_graph lines "... 1234.567 us |  fn();" or "... us |  } fn",
 * (elf_core_dump() shows twice with the module: the replacement the
 * caller sees, and the original inside it), 0 if it was not called.
 */
static double traced(const char *t, const char *fn)
{
	const char *line = t;
	double secs = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *us = strstr(line, " us ");
		const char *f = strstr(line, fn);

		if (us && f && (!eol || (us < eol && f < eol))) {
			const char *p = us;

			while (p > line && (p[-1] == '.' ||
					    (p[-1] >= '0' && p[-1] <= '9')))
				p--;
			if (strtod(p, NULL) / 1e6 > secs)
				secs = strtod(p, NULL) / 1e6;
		}
		line = eol ? eol + 1 : NULL;
	}
	return secs;
}

static char *take_trace(void)
{
	char *t = lab_read_file(TRACING "trace", NULL);

	close(open(TRACING "trace", O_WRONLY | O_TRUNC));	/* clears it */
	return t;
}

struct run {
	double secs;
	double note;		/* gcd_note_prepare + gcd_note_dump_skip_to */
	unsigned long long written;	/* bytes allocated by the core */
	unsigned long long apparent;
	long long forced;		/* bytes_forced moved by */
};

static int one(const char *exe, const char *mode, const char *arg,
	       const char *fn, struct run *r)
{
	char *argv[] = { (char *)exe, (char *)mode, (char *)arg, NULL };
	struct lab_run_opts o = { 0 };
	long long before = lab_counter("bytes_forced");
	struct lab_proc p;
	struct stat st;
	int fd;

	lab_clean_cores();
	if (lab_start(&p, argv, &o, &fd) || lab_wait_ready(&p, fd, 600000)) {
		fprintf(stderr, "bench_dump: %s %s %s did not start\n", exe, mode,
			arg);
		return -1;
	}
	free(take_trace());	/* start from an empty trace */
	kill(p.pid, SIGABRT);
	lab_wait(&p, fd);
	{
		char *t = take_trace();

		static int kept;

		/* The first trace of each kind, for a look by hand. */
		if (t && kept++ < 2) {
			FILE *f = fopen(kept == 1 ? "/out/bench-trace-1.txt" :
					"/out/bench-trace-2.txt", "w");

			if (f) {
				fputs(t, f);
				fclose(f);
			}
		}
		r->secs = t ? traced(t, fn) : 0;
		r->note = t ? traced(t, "gcd_note_prepare") +
			      traced(t, "gcd_note_dump_skip_to") : 0;
		if (r->secs <= 0)
			r->secs = -1;
		free(t);
	}
	if (r->secs < 0 || !p.core[0] || stat(p.core, &st)) {
		fprintf(stderr, "bench_dump: %s: %s\n", exe, r->secs < 0 ?
			"no traced call" : "no core");
		return -1;
	}
	r->written = (unsigned long long)st.st_blocks * 512;
	r->apparent = (unsigned long long)st.st_size;
	r->forced = lab_counter("bytes_forced") - before;
	unlink(p.core);
	return 0;
}

int main(int argc, char **argv)
{
	double a[64], b[64], notes[64];
	struct run ra, rb;
	long long forced = 0;
	unsigned long long written = 0;
	int reps, i;

	if (argc != 5 || (reps = atoi(argv[4])) < 1 || reps > 64) {
		fprintf(stderr, "usage: bench_dump heap|threads EXE N REPS\n");
		return 2;
	}
	lab_set_core_pattern(LAB_CORES "/core.%p");
	if (trace_function(!strcmp(argv[1], "heap") ? "do_coredump" :
			   "elf_core_dump gcd_note_prepare gcd_note_dump_skip_to"))
		return 1;
	for (i = 0; i < reps; i++) {
		if (!strcmp(argv[1], "heap")) {
			if (lab_module_loaded())
				lab_module_unload();
			if (one(argv[2], "heap", argv[3], "do_coredump", &ra))
				return 1;
			if (lab_module_load())
				return 1;
			if (one(argv[2], "heap", argv[3], "do_coredump", &rb))
				return 1;
			forced = rb.forced;
			written = rb.written;
			printf("run %d: stock %.4f s, module %.4f s (core %llu MiB written, %llu MiB apparent; forced %lld KiB)\n",
			       i, ra.secs, rb.secs, rb.written >> 20,
			       rb.apparent >> 20, rb.forced >> 10);
		} else {
			lab_knob_write("note", "0");
			if (one(argv[2], "nthreads", argv[3], "elf_core_dump",
				&ra))
				return 1;
			lab_knob_write("note", "1");
			if (one(argv[2], "nthreads", argv[3], "elf_core_dump",
				&rb))
				return 1;
			printf("run %d: note off %.4f s, note on %.4f s (the note's own work %.1f us)\n",
			       i, ra.secs, rb.secs, rb.note * 1e6);
			notes[i] = rb.note;
		}
		a[i] = ra.secs;
		b[i] = rb.secs;
		fflush(stdout);
	}
	lab_knobs_default();
	if (!strcmp(argv[1], "heap")) {
		double ma = median(a, reps), mb = median(b, reps);
		double share = 100.0 * forced / written;

		printf("RESULT heap %s MiB: median do_coredump() stock %.4f s, module %.4f s, ratio %.4f (overhead %+.2f%%); forced %lld KiB = %.2f%% of the core's %llu MiB written; target: overhead <= %.2f%%\n",
		       argv[3], ma, mb, mb / ma, 100.0 * (mb / ma - 1), forced >> 10,
		       share, written >> 20, share + 2);
	} else {
		double ma = median(a, reps), mb = median(b, reps);
		int n = atoi(argv[3]);

		printf("RESULT threads %d: median ELF writing note off %.4f s, on %.4f s: %.2f us per thread (noise-bound); the note's own work, median %.1f us: %.3f us per thread (target < 5)\n",
		       n, ma, mb, 1e6 * (mb - ma) / n,
		       1e6 * median(notes, reps), 1e6 * median(notes, reps) / n);
	}
	return 0;
}
