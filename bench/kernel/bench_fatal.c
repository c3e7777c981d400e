// SPDX-License-Identifier: GPL-2.0
/*
 * bench_fatal - what the gotraceback knob (module/fatal.c) costs programs
 * that do not crash, run in the lab's guest (bench/kernel/run.sh).  Not a
 * test: it prints figures.
 *
 *   bench_fatal exec EXE REPS
 *       The wall time of starting a Go program and reaping it (EXE with no
 *       arguments prints its usage and exits), alternately without the
 *       module (unloaded) and with it (gotraceback=crash):
 *        - first exec: a fresh copy of EXE (a new inode, nothing cached),
 *          and, with the module, how long after that exec its probe is
 *          in place (probes_placed moved): the worker's parse of the
 *          file and uprobe_register();
 *        - later exec: the same copy again (the decision is cached).
 *
 *   bench_fatal recover EXE N REPS
 *       The wall time of `EXE recover N` (N panics, each recovered),
 *       alternately without the module and with gotraceback=crash and the
 *       probe placed: recovered panics never reach the probed function,
 *       so the two should not differ beyond noise.
 *
 * Runs alternate so that drift of the host (TCG) hits both sides alike;
 * medians are reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define REPS_MAX	64

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run argv with no GOTRACEBACK, output to /dev/null; seconds, or -1. */
static double run(char *const argv[])
{
	char *envp[] = { "PATH=/bin:/sbin", NULL };
	posix_spawn_file_actions_t fa;
	double t0 = now();
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, envp)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return now() - t0;
}

static int copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

static int module(int on)
{
	if (!on)
		return lab_module_loaded() ? lab_module_unload() : 0;
	if (!lab_module_loaded() && lab_module_load_only())
		return -1;
	return lab_knob_write("gotraceback", "crash");
}

/* Wait until probes_placed is past before; seconds waited, or -1. */
static double placed_after(long long before, double t0)
{
	while (lab_counter("probes_placed") <= before) {
		if (now() - t0 > 60)
			return -1;
		usleep(1000);
	}
	return now() - t0;
}

static int bench_exec(const char *exe, int reps)
{
	double first[2][REPS_MAX], later[2][REPS_MAX], ready[REPS_MAX];
	char path[64];
	char *argv[] = { path, NULL };
	int i, on;

	for (i = 0; i < reps; i++) {
		for (on = 0; on < 2; on++) {
			long long before;
			double t0;

			if (module(on))
				return 1;
			snprintf(path, sizeof(path), "/tmp/bench-fatal-%d-%d",
				 i, on);
			if (copy(exe, path))
				return 1;
			sync();
			before = on ? lab_counter("probes_placed") : 0;
			t0 = now();
			first[on][i] = run(argv);
			if (on)
				ready[i] = placed_after(before, t0);
			later[on][i] = run(argv);
			if (first[on][i] < 0 || later[on][i] < 0 ||
			    (on && ready[i] < 0)) {
				fprintf(stderr, "bench_fatal: run %d failed\n", i);
				return 1;
			}
			unlink(path);
		}
		printf("run %d: first exec %.2f / %.2f ms, later exec %.2f / %.2f ms (without / with), probe in place %.2f ms after the first exec\n",
		       i, 1e3 * first[0][i], 1e3 * first[1][i],
		       1e3 * later[0][i], 1e3 * later[1][i], 1e3 * ready[i]);
		fflush(stdout);
	}
	{
		double f0 = median(first[0], reps), f1 = median(first[1], reps);
		double l0 = median(later[0], reps), l1 = median(later[1], reps);

		printf("RESULT exec: first exec median %.2f ms without, %.2f ms with (ratio %.3f); later exec %.2f ms without, %.2f ms with (ratio %.3f); probe in place %.2f ms (median) after the first exec\n",
		       1e3 * f0, 1e3 * f1, f1 / f0, 1e3 * l0, 1e3 * l1,
		       l1 / l0, 1e3 * median(ready, reps));
	}
	return 0;
}

static int bench_recover(const char *exe, const char *n, int reps)
{
	double t[2][REPS_MAX];
	char *argv[] = { (char *)exe, "recover", (char *)n, NULL };
	char *usage[] = { (char *)exe, NULL };
	long long up = 0, err = 0;
	int i, on;

	for (i = 0; i < reps; i++) {
		for (on = 0; on < 2; on++) {
			if (module(on))
				return 1;
			if (on) {
				long long before = lab_counter("probes_placed");

				run(usage);
				if (lab_counter("probes_active") < 1 &&
				    placed_after(before, now()) < 0)
					return 1;
				up = lab_counter("crashes_upgraded");
				err = lab_counter("upgrade_errors");
			}
			t[on][i] = run(argv);
			if (t[on][i] < 0)
				return 1;
			if (on && (lab_counter("crashes_upgraded") != up ||
				   lab_counter("upgrade_errors") != err)) {
				fprintf(stderr, "bench_fatal: a recovered panic moved the counters\n");
				return 1;
			}
		}
		printf("run %d: %s recovered panics %.1f / %.1f ms (without / with)\n",
		       i, n, 1e3 * t[0][i], 1e3 * t[1][i]);
		fflush(stdout);
	}
	{
		double a = median(t[0], reps), b = median(t[1], reps);

		printf("RESULT recover %s: median %.1f ms without, %.1f ms with gotraceback=crash: ratio %.3f\n",
		       n, 1e3 * a, 1e3 * b, b / a);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int reps;

	if (argc == 4 && !strcmp(argv[1], "exec") &&
	    (reps = atoi(argv[3])) >= 1 && reps <= REPS_MAX)
		return bench_exec(argv[2], reps);
	if (argc == 5 && !strcmp(argv[1], "recover") &&
	    (reps = atoi(argv[4])) >= 1 && reps <= REPS_MAX)
		return bench_recover(argv[2], argv[3], reps);
	fprintf(stderr, "usage: bench_fatal exec EXE REPS | recover EXE N REPS\n");
	return 2;
}
