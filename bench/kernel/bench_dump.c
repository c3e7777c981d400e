// SPDX-License-Identifier: GPL-2.0
/*
 * bench_dump - dump-time benchmarks of gocoredump.ko, run in the lab's
 * guest (bench/kernel/run.sh).  Not a test: it prints figures.
 *
 *   bench_dump heap EXE MIB REPS
 *       A Go process with MIB of live heap, killed with SIGABRT, dumped to
 *       tmpfs; alternately with the module disabled (enabled=0: the stock
 *       dump) and enabled (default knobs).  Time from kill() to the
 *       process being reaped, whose difference is the dump.
 *
 *   bench_dump threads EXE N REPS
 *       A Go process with N OS threads, dumped alternately with note=0 and
 *       note=1: the cost of the note, per thread.
 *
 * Runs alternate so that drift of the host (TCG) hits both sides alike;
 * medians are reported.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

struct run {
	double secs;
	unsigned long long written;	/* bytes allocated by the core */
	unsigned long long apparent;
	long long forced;		/* bytes_forced moved by */
};

static int one(const char *exe, const char *mode, const char *arg,
	       struct run *r)
{
	char *argv[] = { (char *)exe, (char *)mode, (char *)arg, NULL };
	struct lab_run_opts o = { 0 };
	long long before = lab_counter("bytes_forced");
	struct lab_proc p;
	struct stat st;
	double t0;
	int fd;

	lab_clean_cores();
	if (lab_start(&p, argv, &o, &fd) || lab_wait_ready(&p, fd, 600000))
		return -1;
	t0 = now();
	kill(p.pid, SIGABRT);
	lab_wait(&p, fd);
	r->secs = now() - t0;
	if (!p.core[0] || stat(p.core, &st))
		return -1;
	r->written = (unsigned long long)st.st_blocks * 512;
	r->apparent = (unsigned long long)st.st_size;
	r->forced = lab_counter("bytes_forced") - before;
	unlink(p.core);
	return 0;
}

int main(int argc, char **argv)
{
	double a[64], b[64];
	struct run ra, rb;
	long long forced = 0;
	unsigned long long written = 0;
	int reps, i;

	if (argc != 5 || (reps = atoi(argv[4])) < 1 || reps > 64) {
		fprintf(stderr, "usage: bench_dump heap|threads EXE N REPS\n");
		return 2;
	}
	lab_set_core_pattern(LAB_CORES "/core.%p");
	for (i = 0; i < reps; i++) {
		if (!strcmp(argv[1], "heap")) {
			lab_knob_write("enabled", "0");
			if (one(argv[2], "heap", argv[3], &ra))
				return 1;
			lab_knob_write("enabled", "1");
			if (one(argv[2], "heap", argv[3], &rb))
				return 1;
			forced = rb.forced;
			written = rb.written;
			printf("run %d: stock %.3f s, module %.3f s (core %llu MiB written, %llu MiB apparent; forced %lld KiB)\n",
			       i, ra.secs, rb.secs, rb.written >> 20,
			       rb.apparent >> 20, rb.forced >> 10);
		} else {
			lab_knob_write("note", "0");
			if (one(argv[2], "nthreads", argv[3], &ra))
				return 1;
			lab_knob_write("note", "1");
			if (one(argv[2], "nthreads", argv[3], &rb))
				return 1;
			printf("run %d: note off %.3f s, note on %.3f s\n", i,
			       ra.secs, rb.secs);
		}
		a[i] = ra.secs;
		b[i] = rb.secs;
		fflush(stdout);
	}
	lab_knobs_default();
	if (!strcmp(argv[1], "heap")) {
		double ma = median(a, reps), mb = median(b, reps);
		double share = 100.0 * forced / written;

		printf("RESULT heap %s MiB: median stock %.3f s, module %.3f s, ratio %.4f (overhead %+.2f%%); forced %lld KiB = %.2f%% of the core's %llu MiB written; target: overhead <= %.2f%%\n",
		       argv[3], ma, mb, mb / ma, 100.0 * (mb / ma - 1), forced >> 10,
		       share, written >> 20, share + 2);
	} else {
		double ma = median(a, reps), mb = median(b, reps);
		int n = atoi(argv[3]);

		printf("RESULT threads %d: median note off %.3f s, on %.3f s: %.2f us per thread (target < 5)\n",
		       n, ma, mb, 1e6 * (mb - ma) / n);
	}
	return 0;
}
