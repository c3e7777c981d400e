// SPDX-License-Identifier: GPL-2.0
/*
 * corecat - a core_pattern pipe helper for the kernel tests:
 *
 *   |/gcd/bin/corecat [-p %P] OUT [GATE]
 *
 * With -p, first writes OUT.proc: what /proc says about every thread of the
 * dumping process.  The kernel starts the helper after the other threads
 * are parked in the dump, so for every thread but the dumping one these are
 * the values at the dump.  Then creates OUT.started, waits (if GATE is
 * given) until the file GATE exists, copies the core from stdin to OUT and
 * creates OUT.done.  Waiting holds the dump in flight in the kernel, which
 * is what the unload test needs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* "name : 12.345678" (ms) or "name : 12" in /proc/.../sched, as ns or n. */
static unsigned long long sched_field(const char *text, const char *name)
{
	const char *p = text;
	size_t len = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		const char *c = p + len;

		if ((p == text || p[-1] == '\n') && (*c == ' ' || *c == ':')) {
			unsigned long long whole = 0, frac = 0;
			int digits = 0;

			c = strchr(c, ':');
			if (!c)
				return 0;
			whole = strtoull(c + 1, (char **)&c, 10);
			if (*c != '.')
				return whole;
			for (c++; *c >= '0' && *c <= '9' && digits < 6; c++, digits++)
				frac = frac * 10 + (unsigned long long)(*c - '0');
			while (digits++ < 6)
				frac *= 10;
			return whole * 1000000 + frac;
		}
		p += len;
	}
	return 0;
}

static void snapshot_proc(const char *pid, const char *out)
{
	char path[600], sched[16384], stat[2048], sst[256];
	struct dirent *e;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	d = opendir(path);
	snprintf(path, sizeof(path), "%s.proc", out);
	f = fopen(path, "w");
	if (!d || !f)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long long rt = 0, delay = 0, pcount = 0;
		unsigned long long minflt = 0, majflt = 0, ut = 0, st = 0;
		char *s;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/sched", pid,
			 e->d_name);
		if (slurp(path, sched, sizeof(sched)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", pid,
			 e->d_name);
		if (slurp(path, stat, sizeof(stat)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat", pid,
			 e->d_name);
		if (slurp(path, sst, sizeof(sst)) ||
		    sscanf(sst, "%llu %llu %llu", &rt, &delay, &pcount) != 3)
			continue;
		/* After the comm's ')': state is field 3; 10, 12, 14, 15. */
		s = strrchr(stat, ')');
		if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu",
				 &minflt, &majflt, &ut, &st) != 4)
			continue;
		fprintf(f, "tid=%s sum_exec_runtime_ns=%llu nvcsw=%llu nivcsw=%llu nr_migrations=%llu run_delay_ns=%llu pcount=%llu minflt=%llu majflt=%llu utime_ticks=%llu stime_ticks=%llu\n",
			e->d_name, sched_field(sched, "se.sum_exec_runtime"),
			sched_field(sched, "nr_voluntary_switches"),
			sched_field(sched, "nr_involuntary_switches"),
			sched_field(sched, "se.nr_migrations"), delay, pcount,
			minflt, majflt, ut, st);
	}
	closedir(d);
	fclose(f);
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	const char *pid = NULL;
	char path[512];
	ssize_t n;
	int out, fd;

	if (argc > 2 && !strcmp(argv[1], "-p")) {
		pid = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return 2;
	if (pid)
		snapshot_proc(pid, argv[1]);
	snprintf(path, sizeof(path), "%s.started", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	if (argc > 2)
		while (access(argv[2], F_OK) != 0)
			usleep(20000);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return 1;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return 1;
	close(out);
	snprintf(path, sizeof(path), "%s.done", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}
