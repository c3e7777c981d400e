// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_snapshot.c - gocap snapshot PID -o FILE, and --pid for the core
 * commands: an ELF core of a running process (core/snapshot.h), which
 * goes on running.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/snapshot.h"
#include "gocap/gocap.h"
#include "store/paths.h"

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX) {
		gocap_err("\"%s\" is not a process ID", s);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

static int take(const struct gocap_opts *o, pid_t pid, int fd,
		const char *what)
{
	struct snapshot_stats st;
	char err[512], spill[64] = "";

	if (snapshot_write(pid, fd, o->no_precopy ? SNAPSHOT_NO_PRECOPY : 0,
			   &st, err, sizeof(err))) {
		gocap_err("snapshot of process %d: %s", (int)pid, err);
		return 1;
	}
	if (st.bytes_spilled)
		snprintf(spill, sizeof(spill), " (%.1f MiB of it through the file)",
			 (double)st.bytes_spilled / 1048576.0);
	fprintf(stderr,
		"gocap: snapshot of process %d: %u threads stopped for %.1f ms; %.1f MiB copied during the stop, %.1f MiB before it%s; %u mappings; %s %.1f MiB\n",
		(int)pid, st.threads, (double)st.pause_ns / 1e6,
		(double)(st.bytes_copied - st.bytes_precopied) / 1048576.0,
		(double)st.bytes_precopied / 1048576.0, spill, st.segments,
		what, (double)st.file_size / 1048576.0);
	if (st.signals_requeued)
		fprintf(stderr, "gocap: %u pending signal(s) given back to their threads\n",
			st.signals_requeued);
	return 0;
}

/* gocapd: $GOCAPD, else beside gocap, else the installed one. */
static const char *gocapd_path(char *buf, size_t len)
{
	const char *env = getenv("GOCAPD");
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", buf, len - 8);
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "gocapd");
			if (!access(buf, X_OK))
				return buf;
		}
	}
	return "/usr/sbin/gocapd";
}

/* The real uid and gid of pid, from /proc/PID/status ("" when unknown). */
static void proc_ids(pid_t pid, char *uid, char *gid, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(uid, len, "0");
	snprintf(gid, len, "0");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long v;

		if (sscanf(line, "Uid: %lu", &v) == 1)
			snprintf(uid, len, "%lu", v);
		else if (sscanf(line, "Gid: %lu", &v) == 1)
			snprintf(gid, len, "%lu", v);
	}
	fclose(f);
}

/*
 * Hand the snapshot in fd to gocapd as the kernel hands it a core: its
 * core_pattern helper (gocapd --pipe) with the core on stdin and the
 * process's facts as arguments, signal 0 (what marks a snapshot in the
 * store), no core size limit (the user asked for this one).
 */
static int to_store(const struct gocap_opts *o, pid_t pid, int fd)
{
	char gbuf[PATH_MAX], spid[16], stime[32], uid[16], gid[16];
	char comm[64] = "", path[64];
	const char *argv[24];
	struct utsname u;
	int n = 0, status;
	pid_t child;
	FILE *f;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(stime, sizeof(stime), "%lld", (long long)time(NULL));
	proc_ids(pid, uid, gid, sizeof(uid));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (uname(&u))
		snprintf(u.nodename, sizeof(u.nodename), "localhost");
	argv[n++] = gocapd_path(gbuf, sizeof(gbuf));
	if (o->store_dir) {
		argv[n++] = "--store";
		argv[n++] = o->store_dir;
	}
	if (o->config) {
		argv[n++] = "--config";
		argv[n++] = o->config;
	}
	if (o->socket) {
		argv[n++] = "--socket";
		argv[n++] = o->socket;
	}
	argv[n++] = "--pipe";
	argv[n++] = spid;
	argv[n++] = spid;
	argv[n++] = spid;
	argv[n++] = "0";
	argv[n++] = stime;
	argv[n++] = uid;
	argv[n++] = gid;
	argv[n++] = "-1";
	argv[n++] = u.nodename;
	argv[n++] = comm[0] ? comm : "?";
	argv[n] = NULL;
	if (lseek(fd, 0, SEEK_SET)) {
		gocap_err("cannot read the snapshot back: %s", strerror(errno));
		return 1;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		gocap_err("fork: %s", strerror(errno));
		return 1;
	}
	if (!child) {
		if (dup2(fd, 0) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "gocap: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			gocap_err("waitpid: %s", strerror(errno));
			return 1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		gocap_err("%s did not store the snapshot (status %d); see its log (journalctl -t gocapd)",
			  argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	fprintf(stderr, "gocap: stored by gocapd as a snapshot (gocap list shows it, SIG \"snap\")\n");
	return 0;
}

int cmd_snapshot(struct gocap_opts *o)
{
	pid_t pid;
	int fd, ret;

	if (parse_pid(o->id, &pid))
		return 2;
	if (!o->output) {
		/* into gocapd's store, through an unlinked file */
		char tmpl[PATH_MAX];
		const char *dir = getenv("TMPDIR");

		snprintf(tmpl, sizeof(tmpl), "%s/gocap-snapshot-%d.XXXXXX",
			 dir && *dir ? dir : "/tmp", (int)pid);
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd < 0) {
			gocap_err("%s: cannot create a temporary file: %s",
				  tmpl, strerror(errno));
			return 1;
		}
		unlink(tmpl);
		ret = take(o, pid, fd, "into the store,");
		if (!ret)
			ret = to_store(o, pid, fd);
		close(fd);
		return ret;
	}
	/* a new file, never through a symlink, as gocap dump -o: the core
	 * holds the process's memory, which is not the user's to redirect */
	fd = paths_open_nofollow(o->output, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		gocap_err("%s: cannot create: %s%s", o->output, strerror(-fd),
			  fd == -EEXIST ? " (gocap writes only a new file: remove it, or give another name)" :
			  fd == -ELOOP ? " (a symlink in the path: gocap follows none; give the real path)" :
			  "");
		return 1;
	}
	ret = take(o, pid, fd, o->output);
	if (close(fd) && !ret) {
		gocap_err("%s: %s", o->output, strerror(errno));
		ret = 1;
	}
	if (ret)
		unlink(o->output);
	return ret;
}

int snapshot_resolve(struct gocap_opts *o)
{
	static char path[64];
	const char *dir = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	pid_t pid;
	int fd;

	if (parse_pid(o->pid, &pid))
		return 2;
	/* an unlinked file, opened again through /proc/self/fd */
	snprintf(tmpl, sizeof(tmpl), "%s/gocap-snapshot-%d.XXXXXX",
		 dir && *dir ? dir : "/tmp", (int)pid);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0) {
		gocap_err("%s: cannot create a temporary file: %s", tmpl,
			  strerror(errno));
		return 1;
	}
	unlink(tmpl);
	if (take(o, pid, fd, "temporary core")) {
		close(fd);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o->core = path;
	return 0;
}
