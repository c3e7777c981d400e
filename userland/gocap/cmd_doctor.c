// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_doctor.c - gocap doctor: will the next Go crash on this host be
 * captured, and if not, what to fix (Documentation/gocap.rst, "doctor").
 *
 * It looks, read-only, at the four places a crash goes through and turns
 * each thing that would lose a core (or part of one) into a finding with a
 * one-line fix:
 *
 *   module     gocoredump.ko loaded, the one built (by DKMS) for the running
 *              kernel, signed when lockdown wants it; its knobs and errors
 *   handler    who owns core_pattern, core_pipe_limit, the daemon and its
 *              socket
 *   store      free space against KeepFree and MaxUse (/etc/gocapd.conf)
 *   processes  every running Go process (told apart by lib/goelf.c, as the
 *              module does): GOTRACEBACK, RLIMIT_CORE, coredump_filter,
 *              dumpability, PID 1 of a PID namespace
 *
 * Levels: "ok", "warn" (the core is kept, but something is off) and "lost"
 * (something would be lost: exit status 1).  It needs root to read other
 * users' /proc/PID/environ; as another user it says what it could not see.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/json.h"
#include "gocap/gocap.h"
#include "gocapd/config.h"
#include "gocoredump/goelf.h"
#include "store/store.h"

#define SYSFS_KNOBS	"/sys/kernel/gocoredump"
#define SYSFS_MODULE	"/sys/module/gocoredump"
#define DROPIN_DIR	"/usr/share/gocapd/system.conf.d"
#define DROPIN_LIMIT	DROPIN_DIR "/60-gocapd-limitcore.conf"
#define DROPIN_TRACE	DROPIN_DIR "/61-gocapd-gotraceback.conf"
#define GOCAPD_SOCK	"/run/gocapd/gocapd.sock"

enum level { LV_OK, LV_WARN, LV_LOST };
static const char *const level_name[] = { "ok", "warn", "lost" };

/* Who core_pattern hands cores to. */
enum handler {
	H_GOCAPD_PIPE,		/* |.../gocapd --pipe ... */
	H_GOCAPD_SOCKET,	/* @ or @@ a socket gocapd listens on */
	H_OTHER_PIPE,		/* systemd-coredump, apport, ... */
	H_FILE,			/* the kernel writes a file */
};

struct doctor {
	json_t *findings;	/* array, in the order found */
	int lost, warn;
	int json;
	enum handler handler;
	int core_limit_honor;	/* gocapd.conf CoreLimit */
	int module_loaded;
	unsigned int force;	/* bit 0 text, 1 rodata (when loaded) */
	char gotraceback[24];	/* the module's knob ("" when not loaded) */
	const char *section;	/* printed once in text mode */
	const char *printed_section;
};

static void finding(struct doctor *d, enum level lv, int pid,
		    const char *unit, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * One finding: what was seen, at which level, with the fix (NULL for an
 * "ok").  Text goes out at once; JSON is collected and printed at the end.
 */
static void finding(struct doctor *d, enum level lv, int pid,
		    const char *unit, const char *fix, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	int bad = 0;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (lv == LV_LOST)
		d->lost++;
	else if (lv == LV_WARN)
		d->warn++;
	if (d->json) {
		json_t *f = json_object();

		js_put(f, "area", js_text(d->section), &bad);
		js_put(f, "level", js_text(level_name[lv]), &bad);
		js_put(f, "what", js_text(what), &bad);
		if (pid > 0)
			js_put(f, "pid", json_integer(pid), &bad);
		if (unit && *unit)
			js_put(f, "unit", js_text(unit), &bad);
		js_put(f, "fix", fix ? js_text(fix) : json_null(), &bad);
		if (!bad && f)
			json_array_append_new(d->findings, f);
		else
			json_decref(f);
		return;
	}
	if (d->printed_section != d->section) {
		printf("\n%s\n", d->section);
		d->printed_section = d->section;
	}
	printf("  %-4s  %s\n", lv == LV_OK ? "ok" : lv == LV_WARN ? "WARN" :
	       "LOST", what);
	if (fix)
		printf("        fix: %s\n", fix);
}

/* s into out[len], cut short if need be (never an error here). */
static void copy(char *out, size_t len, const char *s)
{
	size_t n = strnlen(s, len - 1);

	memcpy(out, s, n);
	out[n] = 0;
}

/* The first line of a small file, without its newline; -1 if unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return 0;
}

/* The first line a command prints (stderr discarded); -1 if none. */
static int run_line(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "re");
	size_t n;
	int got = 0;

	if (!p)
		return -1;
	if (fgets(buf, (int)len, p))
		got = 1;
	while (fgetc(p) != EOF)
		;
	pclose(p);
	if (!got) {
		buf[0] = 0;
		return -1;
	}
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return 0;
}

static int have_program(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin",
					    "/bin" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The selected word of a sysfs choice list, "none [integrity] ...". */
static void sysfs_choice(const char *line, char *out, size_t len)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b && (size_t)(b - a - 1) < len) {
		memcpy(out, a + 1, (size_t)(b - a - 1));
		out[b - a - 1] = 0;
	} else {
		copy(out, len, line);
	}
}

/*
 * Is the module file signed?  1 yes, 0 no, -1 unknown.  An uncompressed
 * module ends with the signature's magic.  A compressed one (.ko.xz,
 * .ko.zst, .ko.gz: what DKMS installs for 6.12 and later) was signed
 * before it was compressed, so its last bytes are the compressor's: ask
 * modinfo, which decompresses, for sig_id (checking first that it can read
 * the file at all).
 */
static int module_signed(const char *path)
{
	static const char magic[] = "~Module signature appended~\n";
	char buf[sizeof(magic) - 1], cmd[PATH_MAX + 64], line[64];
	size_t n = strlen(path);
	int fd, ret = -1;
	off_t end;

	if (n < 3 || strcmp(path + n - 3, ".ko")) {
		if (strchr(path, '\''))
			return -1;
		snprintf(cmd, sizeof(cmd),
			 "modinfo -F vermagic -- '%s' 2>/dev/null", path);
		if (run_line(cmd, line, sizeof(line)) || !line[0])
			return -1;
		snprintf(cmd, sizeof(cmd),
			 "modinfo -F sig_id -- '%s' 2>/dev/null", path);
		return run_line(cmd, line, sizeof(line)) == 0 && line[0];
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)sizeof(buf) &&
	    pread(fd, buf, sizeof(buf), end - (off_t)sizeof(buf)) ==
	    (ssize_t)sizeof(buf))
		ret = !memcmp(buf, magic, sizeof(buf));
	close(fd);
	return ret;
}

static void check_module(struct doctor *d)
{
	char kver[128], line[512], file[PATH_MAX], dkms[512], lock[64];
	char cmd[256], srcv_loaded[64] = "", srcv_file[64] = "", fix[512];
	struct utsname u;
	int enforced = 0, have_file;

	d->section = "module";
	uname(&u);
	snprintf(kver, sizeof(kver), "%s", u.release);
	snprintf(cmd, sizeof(cmd), "modinfo -k '%s' -n gocoredump 2>/dev/null",
		 kver);
	have_file = run_line(cmd, file, sizeof(file)) == 0 && file[0] == '/';
	dkms[0] = 0;
	if (have_program("dkms")) {
		snprintf(cmd, sizeof(cmd),
			 "dkms status -m gocoredump -k '%s' 2>/dev/null", kver);
		run_line(cmd, dkms, sizeof(dkms));
	}
	lock[0] = 0;
	if (read_line("/sys/kernel/security/lockdown", line, sizeof(line)) == 0)
		sysfs_choice(line, lock, sizeof(lock));
	if (lock[0] && strcmp(lock, "none"))
		enforced = 1;
	if (read_line("/sys/module/module/parameters/sig_enforce", line,
		      sizeof(line)) == 0 && line[0] == 'Y')
		enforced = 1;

	d->module_loaded = access(SYSFS_KNOBS "/enabled", F_OK) == 0;
	if (!d->module_loaded) {
		if (!have_file && !dkms[0]) {
			snprintf(fix, sizeof(fix),
				 "apt install gocoredump-dkms linux-headers-%s",
				 kver);
			finding(d, LV_LOST, 0, NULL, fix,
				"gocoredump.ko is not loaded and is not built for the running kernel %s: Go cores will lack text and rodata",
				kver);
		} else if (!have_file) {
			snprintf(fix, sizeof(fix),
				 "apt install linux-headers-%s && dkms autoinstall -k %s && modprobe gocoredump",
				 kver, kver);
			finding(d, LV_LOST, 0, NULL, fix,
				"gocoredump.ko is not built for the running kernel %s (DKMS: %s): Go cores will lack text and rodata",
				kver, dkms[0] ? dkms : "no status");
		} else if (enforced && module_signed(file) == 0) {
			finding(d, LV_LOST, 0, NULL,
				"mokutil --import /var/lib/dkms/mok.pub, reboot and confirm the key in MokManager, then dpkg-reconfigure gocoredump-dkms (Documentation/packaging.rst, Secure Boot)",
				"gocoredump.ko (%s) is not signed and the kernel refuses unsigned modules (lockdown: %s): it cannot load",
				file, lock[0] ? lock : "sig_enforce");
		} else {
			finding(d, LV_LOST, 0, NULL, "modprobe gocoredump",
				"gocoredump.ko is built (%s) but not loaded: Go cores will lack text and rodata",
				file);
		}
		if (enforced && have_file && module_signed(file) == 1 &&
		    have_program("mokutil")) {
			if (run_line("mokutil --test-key /var/lib/dkms/mok.pub 2>&1",
				     line, sizeof(line)) == 0 &&
			    strstr(line, "not enrolled"))
				finding(d, LV_LOST, 0, NULL,
					"mokutil --import /var/lib/dkms/mok.pub, reboot and confirm the key in MokManager",
					"DKMS's signing key /var/lib/dkms/mok.pub is not enrolled: under lockdown (%s) the kernel refuses the module it signed",
					lock[0] ? lock : "sig_enforce");
		}
		return;
	}

	read_line(SYSFS_MODULE "/srcversion", srcv_loaded, sizeof(srcv_loaded));
	if (have_file) {
		snprintf(cmd, sizeof(cmd),
			 "modinfo -k '%s' -F srcversion gocoredump 2>/dev/null",
			 kver);
		run_line(cmd, srcv_file, sizeof(srcv_file));
	}
	if (srcv_loaded[0] && srcv_file[0] && strcmp(srcv_loaded, srcv_file))
		finding(d, LV_WARN, 0, NULL,
			"modprobe -r gocoredump && modprobe gocoredump (or reboot)",
			"the loaded gocoredump.ko (srcversion %s) is not the one installed for %s (%s): an upgrade waits for a reload",
			srcv_loaded, kver, srcv_file);
	else
		finding(d, LV_OK, 0, NULL, NULL,
			"gocoredump.ko is loaded%s%s%s", dkms[0] ? " (DKMS: " : "",
			dkms, dkms[0] ? ")" : "");
	if (enforced)
		finding(d, LV_OK, 0, NULL, NULL,
			"lockdown %s: the kernel accepted the module's signature",
			lock[0] ? lock : "(sig_enforce)");

	{
		char en[16] = "", force[64] = "", scope[16] = "", mb[32] = "";
		char note[16] = "";

		read_line(SYSFS_KNOBS "/enabled", en, sizeof(en));
		read_line(SYSFS_KNOBS "/force", force, sizeof(force));
		read_line(SYSFS_KNOBS "/scope", scope, sizeof(scope));
		read_line(SYSFS_KNOBS "/max_forced_mb", mb, sizeof(mb));
		read_line(SYSFS_KNOBS "/note", note, sizeof(note));
		read_line(SYSFS_KNOBS "/gotraceback", d->gotraceback,
			  sizeof(d->gotraceback));
		d->force = (strstr(force, "text") ? 1u : 0) |
			   (strstr(force, "rodata") ? 2u : 0);
		if (strcmp(en, "1"))
			finding(d, LV_LOST, 0, NULL,
				"echo 1 > " SYSFS_KNOBS "/enabled (and enabled=1 in /etc/modprobe.d/gocoredump.conf)",
				"the module is loaded but disabled (enabled=%s): Go cores will lack text and rodata",
				en);
		else if (d->force != 3)
			finding(d, LV_LOST, 0, NULL,
				"echo text,rodata > " SYSFS_KNOBS "/force (and in /etc/modprobe.d/gocoredump.conf)",
				"force=%s: Go cores will lack %s", force,
				d->force & 1 ? "rodata" : d->force & 2 ?
				"text" : "text and rodata");
		else
			finding(d, LV_OK, 0, NULL, NULL,
				"knobs: enabled=%s force=%s scope=%s max_forced_mb=%s note=%s gotraceback=%s",
				en, force, scope, mb, note,
				d->gotraceback[0] ? d->gotraceback : "?");
	}
	{
		static const char *const ctr[] = {
			"dumps_seen", "dumps_go", "vmas_forced",
			"bytes_forced", "errors", "notes_written",
			"notes_skipped",
		};
		char all[512] = "", v[64], p[128], last[300] = "";
		size_t n = 0;
		long long errors = 0;

		for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
			snprintf(p, sizeof(p), SYSFS_KNOBS "/%s", ctr[i]);
			if (read_line(p, v, sizeof(v)))
				continue;
			if (!strcmp(ctr[i], "errors"))
				errors = atoll(v);
			n += (size_t)snprintf(all + n, sizeof(all) - n, "%s%s=%s",
					      n ? " " : "", ctr[i], v);
			if (n >= sizeof(all))
				break;
		}
		read_line(SYSFS_KNOBS "/last_error", last, sizeof(last));
		if (errors)
			finding(d, LV_WARN, 0, NULL,
				"see gocoredump(4), \"errors\"; raise max_forced_mb if the error says so",
				"counters: %s; last error: %s", all,
				last[0] ? last : "(none)");
		else
			finding(d, LV_OK, 0, NULL, NULL, "counters: %s", all);
	}
}

/*
 * Can we connect to the unix socket at path?  0 yes, else -errno.  type:
 * SOCK_SEQPACKET for gocapd's helpers' socket (proto.h), SOCK_STREAM for
 * the kernel's coredump socket.
 */
static int socket_answers(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Who set core_pattern at boot: the last sysctl.d file that names it. */
static void pattern_owner(char *out, size_t len)
{
	static const char *const dirs[] = { "/etc/sysctl.d", "/run/sysctl.d",
					    "/usr/local/lib/sysctl.d",
					    "/usr/lib/sysctl.d", "/lib/sysctl.d" };
	char best[NAME_MAX + 1] = "", bestpath[PATH_MAX] = "";

	/* systemd-sysctl: files sorted by name across the directories (the
	 * first directory's copy of a name masks the others); the last
	 * assignment wins.  /etc/sysctl.conf comes after them all. */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *dir = opendir(dirs[i]);
		struct dirent *e;

		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			char p[PATH_MAX], l[1024];
			FILE *f;
			int sets = 0, masked = 0;
			size_t nl = strlen(e->d_name);

			if (nl < 6 || strcmp(e->d_name + nl - 5, ".conf"))
				continue;
			for (size_t j = 0; j < i; j++) {
				snprintf(p, sizeof(p), "%s/%s", dirs[j],
					 e->d_name);
				if (access(p, F_OK) == 0)
					masked = 1;
			}
			if (masked)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dirs[i], e->d_name);
			f = fopen(p, "re");
			if (!f)
				continue;
			while (fgets(l, sizeof(l), f)) {
				const char *s = l;

				while (isspace((unsigned char)*s) || *s == '-')
					s++;
				if (!strncmp(s, "kernel.core_pattern", 19) ||
				    !strncmp(s, "kernel/core_pattern", 19))
					sets = 1;
			}
			fclose(f);
			if (sets && strcmp(e->d_name, best) >= 0) {
				snprintf(best, sizeof(best), "%s", e->d_name);
				snprintf(bestpath, sizeof(bestpath), "%s", p);
			}
		}
		closedir(dir);
	}
	{
		FILE *f = fopen("/etc/sysctl.conf", "re");
		char l[1024];

		if (f) {
			while (fgets(l, sizeof(l), f))
				if (!strncmp(l, "kernel.core_pattern", 19))
					snprintf(bestpath, sizeof(bestpath),
						 "/etc/sysctl.conf");
			fclose(f);
		}
	}
	snprintf(out, len, "%s", bestpath[0] ? bestpath : "no sysctl.d file");
}

static void check_handler(struct doctor *d)
{
	char pat[1024], limit[32] = "", owner[PATH_MAX], helper[PATH_MAX];
	char fix[1024], state[64] = "";
	const char *sock = NULL;
	int err;

	d->section = "handler";
	if (read_line("/proc/sys/kernel/core_pattern", pat, sizeof(pat))) {
		finding(d, LV_LOST, 0, NULL, NULL,
			"cannot read /proc/sys/kernel/core_pattern: %s",
			strerror(errno));
		d->handler = H_FILE;
		return;
	}
	read_line("/proc/sys/kernel/core_pipe_limit", limit, sizeof(limit));
	pattern_owner(owner, sizeof(owner));
	helper[0] = 0;
	if (pat[0] == '|') {
		const char *s = pat + 1;
		size_t n = strcspn(s, " \t");

		snprintf(helper, sizeof(helper), "%.*s", (int)n, s);
		n = strlen(helper);
		if (n >= 6 && !strcmp(helper + n - 6, "gocapd") &&
		    (n == 6 || helper[n - 7] == '/'))
			d->handler = H_GOCAPD_PIPE;
		else
			d->handler = H_OTHER_PIPE;
	} else if (pat[0] == '@') {
		sock = pat[1] == '@' ? pat + 2 : pat + 1;
		d->handler = H_GOCAPD_SOCKET;
	} else {
		d->handler = H_FILE;
	}

	switch (d->handler) {
	case H_GOCAPD_PIPE:
		if (access(helper, X_OK)) {
			finding(d, LV_LOST, 0, NULL,
				"apt install --reinstall gocapd (or set core_pattern to an installed gocapd)",
				"core_pattern runs %s, which is not an executable file (%s): every core is lost",
				helper, strerror(errno));
			break;
		}
		if (!strstr(pat, "--pipe %P %i %I %s %t %u %g %c %h %e")) {
			finding(d, LV_LOST, 0, NULL,
				"use the pattern of /usr/lib/sysctl.d/60-gocapd.conf (gocapd(8), \"Pipe mode\")",
				"core_pattern is gocapd's but not with the arguments it needs (%s): it refuses the core",
				pat);
			break;
		}
		finding(d, LV_OK, 0, NULL, NULL,
			"core_pattern is gocapd's (set by %s): %s", owner, pat);
		break;
	case H_GOCAPD_SOCKET:
		if (socket_answers(sock, SOCK_STREAM))
			finding(d, LV_LOST, 0, NULL,
				"systemctl start gocapd (with --coredump-socket, gocapd(8) \"Socket mode\")",
				"core_pattern hands cores to the socket %s, but nothing answers there: every core is lost",
				sock);
		else
			finding(d, LV_OK, 0, NULL, NULL,
				"core_pattern is the coredump socket %s and it answers (socket mode)",
				sock);
		break;
	case H_OTHER_PIPE:
		finding(d, LV_LOST, 0, NULL,
			"apt install gocapd (its /usr/lib/sysctl.d/60-gocapd.conf sorts after the other handler's), or remove the file that sets it",
			"core_pattern hands cores to %s (set by %s), not to gocapd: gocap list will not see them",
			helper, owner);
		break;
	case H_FILE:
		finding(d, LV_LOST, 0, NULL,
			"apt install gocapd (or sysctl -p /usr/lib/sysctl.d/60-gocapd.conf when it is installed)",
			"core_pattern is a file name (\"%s\", set by %s): the kernel writes cores itself, only where the crashed process may write and only under its RLIMIT_CORE; gocapd sees none",
			pat, owner);
		break;
	}

	if (d->handler == H_GOCAPD_PIPE || d->handler == H_GOCAPD_SOCKET) {
		if (!strcmp(limit, "0"))
			finding(d, LV_WARN, 0, NULL,
				"sysctl kernel.core_pipe_limit=64 (as /usr/lib/sysctl.d/60-gocapd.conf sets it)",
				"core_pipe_limit is 0: the kernel does not keep the crashed process for gocapd, whose annotation may miss /proc/PID");
		else
			finding(d, LV_OK, 0, NULL, NULL,
				"core_pipe_limit=%s (crashes captured at once; the kernel waits for gocapd)",
				limit);
	}

	if (d->handler != H_GOCAPD_PIPE)
		return;
	if (have_program("systemctl"))
		run_line("systemctl is-active gocapd.service 2>/dev/null",
			 state, sizeof(state));
	err = socket_answers(GOCAPD_SOCK, SOCK_SEQPACKET);
	if (!err) {
		finding(d, LV_OK, 0, NULL, NULL,
			"gocapd is running%s%s%s and its socket %s answers",
			state[0] ? " (gocapd.service " : "", state,
			state[0] ? ")" : "", GOCAPD_SOCK);
	} else {
		snprintf(fix, sizeof(fix),
			 "systemctl enable --now gocapd.service; journalctl -u gocapd says why it stopped");
		finding(d, LV_WARN, 0, NULL, fix,
			"gocapd's socket %s does not answer (%s)%s%s: each crash's helper stores its core itself (no queue, no MaxConcurrent)",
			GOCAPD_SOCK, strerror(-err),
			state[0] ? "; gocapd.service is " : "", state);
	}
}

static int sum_blocks(int dfd, uint64_t *total, int depth)
{
	DIR *dir;
	struct dirent *e;
	int fd = dup(dfd);

	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((e = readdir(dir))) {
		struct stat sb;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 2) {
			int sub = openat(dfd, e->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				sum_blocks(sub, total, depth + 1);
				close(sub);
			}
		} else if (S_ISREG(sb.st_mode)) {
			*total += (uint64_t)sb.st_blocks * 512;
		}
	}
	closedir(dir);
	return 0;
}

static void human(uint64_t b, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, len, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

/* A line of the configuration gocapd ignores (config_load()). */
static void conf_report(void *arg, const char *msg)
{
	finding(arg, LV_WARN, 0, NULL,
		"fix the line it names (gocapd --check-config shows the values in force)",
		"%s: gocapd ignores that line, every other line applies",
		msg);
}

static void check_store(struct doctor *d, const char *store_dir,
			const char *conf_path)
{
	struct gocapd_config cfg;
	struct statvfs sv;
	char h_avail[32], h_fs[32], h_kf[32], h_mu[32], h_used[32];
	uint64_t fs, avail, keep_free, max_use, used = 0;
	const char *dir = store_dir ? store_dir : STORE_DEFAULT_DIR;
	int dfd;

	d->section = "store";
	config_defaults(&cfg);
	config_load(&cfg, conf_path, conf_report, d);
	d->core_limit_honor = cfg.core_limit_honor;
	if (cfg.storage == STORE_NONE)
		finding(d, LV_LOST, 0, NULL,
			"Storage=zstd (or raw) in /etc/gocapd.conf",
			"Storage=none in %s: gocapd keeps metadata only, no core",
			conf_path);
	if (statvfs(dir, &sv)) {
		finding(d, d->handler == H_GOCAPD_PIPE ? LV_WARN : LV_OK, 0,
			NULL, d->handler == H_GOCAPD_PIPE ?
			"systemd-tmpfiles --create gocapd.conf (or just wait: gocapd creates it at the first dump)" : NULL,
			"the store %s does not exist yet (%s)", dir,
			strerror(errno));
		return;
	}
	fs = (uint64_t)sv.f_blocks * sv.f_frsize;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	keep_free = config_size_bytes(&cfg.keep_free, fs);
	max_use = config_size_bytes(&cfg.max_use, fs);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		sum_blocks(dfd, &used, 0);
		close(dfd);
	}
	human(avail, h_avail, sizeof(h_avail));
	human(fs, h_fs, sizeof(h_fs));
	human(keep_free, h_kf, sizeof(h_kf));
	human(max_use, h_mu, sizeof(h_mu));
	human(used, h_used, sizeof(h_used));
	if (keep_free && avail + used < keep_free)
		finding(d, LV_LOST, 0, NULL,
			"free space on that file system, lower KeepFree= in /etc/gocapd.conf, or move the store (gocapd --store)",
			"%s: %s free of %s, KeepFree=%s: even with every dump evicted the next core is kept as metadata only",
			dir, h_avail, h_fs, h_kf);
	else if (keep_free && avail < keep_free)
		finding(d, LV_WARN, 0, NULL,
			"free space on that file system, or lower KeepFree= in /etc/gocapd.conf",
			"%s: %s free of %s, under KeepFree=%s: the oldest dumps will be evicted to make room",
			dir, h_avail, h_fs, h_kf);
	else
		finding(d, LV_OK, 0, NULL, NULL,
			"%s: uses %s; %s free of %s (KeepFree %s, MaxUse %s)",
			dir, h_used, h_avail, h_fs, keep_free ? h_kf : "none",
			max_use ? h_mu : "none");
	if (max_use && max_use < (64u << 20))
		finding(d, LV_WARN, 0, NULL,
			"raise MaxUse= in /etc/gocapd.conf",
			"MaxUse=%s: a Go core is often larger; each new dump evicts the ones before it",
			h_mu);
}

/* --- processes ------------------------------------------------------ */

static int fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n = pread(fd, buf, len, (off_t)off);

	return n == (ssize_t)len ? 0 : -1;
}

/*
 * Is /proc/PID/exe a Go ELF file?  1 yes (version in ver), 0 no, -1 can't
 * tell (errno).  With fatal_why, also whether gocoredump's gotraceback
 * knob can probe its fatal path: *fatal_why NULL when it can, else why not
 * (the module's own parser, lib/goelf.c, says so).
 */
static int proc_is_go(int pid, char *ver, size_t verlen,
		      const char **fatal_why)
{
	static unsigned char scratch[GOELF_SCRATCH_SIZE];
	struct goelf_reader r;
	struct goelf_info gi;
	struct stat sb;
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	r.read = fd_read;
	r.ctx = &fd;
	r.size = (uint64_t)sb.st_size;
	memset(&gi, 0, sizeof(gi));
	if (goelf_probe(&r, GOELF_WANT_BUILDINFO |
			(fatal_why ? GOELF_WANT_FATAL : 0), &gi, scratch) < 0 ||
	    !(gi.flags & GOELF_F_GO)) {
		close(fd);
		return 0;
	}
	close(fd);
	if (fatal_why)
		*fatal_why = (gi.flags & GOELF_F_FATAL) ? NULL :
			     gi.fatal_why ? gi.fatal_why : "not scanned";
	snprintf(ver, verlen, "%s", gi.go_version[0] ? gi.go_version : "Go");
	return 1;
}

/* The value of NAME in /proc/PID/environ, as the Go runtime reads it (the
 * first one).  1 found, 0 not set, -1 unreadable. */
static int proc_getenv(int pid, const char *name, char *out, size_t len)
{
	char p[64], *buf = NULL;
	size_t cap = 0, n = 0, nl = strlen(name);
	FILE *f;
	int found = 0;

	snprintf(p, sizeof(p), "/proc/%d/environ", pid);
	f = fopen(p, "re");
	if (!f)
		return -1;
	for (;;) {
		size_t got;

		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		if (!got)
			break;
		n += got;
		if (n > (4u << 20))
			break;
	}
	fclose(f);
	if (!buf)
		return -1;
	buf[n] = 0;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		if (!strncmp(buf + i, name, nl) && buf[i + nl] == '=') {
			snprintf(out, len, "%s", buf + i + nl + 1);
			found = 1;
			break;
		}
	}
	free(buf);
	return found;
}

/* "Name:\tvalue" of /proc/PID/status into out; 0 found. */
static int proc_status(int pid, const char *key, char *out, size_t len)
{
	char p[64], l[512];
	size_t kl = strlen(key);
	FILE *f;
	int ret = -1;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (fgets(l, sizeof(l), f)) {
		if (!strncmp(l, key, kl) && l[kl] == ':') {
			const char *v = l + kl + 1;

			while (*v == '\t' || *v == ' ')
				v++;
			snprintf(out, len, "%s", v);
			out[strcspn(out, "\n")] = 0;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The soft RLIMIT_CORE: bytes, -1 unlimited, -2 unknown. */
static long long proc_core_limit(int pid)
{
	char p[64], l[256];
	FILE *f;
	long long v = -2;

	snprintf(p, sizeof(p), "/proc/%d/limits", pid);
	f = fopen(p, "re");
	if (!f)
		return -2;
	while (fgets(l, sizeof(l), f)) {
		if (strncmp(l, "Max core file size", 18))
			continue;
		{
			const char *s = l + 18;

			while (*s == ' ')
				s++;
			v = !strncmp(s, "unlimited", 9) ? -1 : atoll(s);
		}
		break;
	}
	fclose(f);
	return v;
}

/* The systemd unit (or scope) of PID from its cgroup, "" if none. */
static void proc_unit(int pid, char *out, size_t len)
{
	char p[64], l[1024];
	FILE *f;

	out[0] = 0;
	snprintf(p, sizeof(p), "/proc/%d/cgroup", pid);
	f = fopen(p, "re");
	if (!f)
		return;
	while (fgets(l, sizeof(l), f)) {
		char *s = strstr(l, "::"), *last;

		if (!s)
			continue;
		s[strcspn(s, "\n")] = 0;
		/* the innermost .service or .scope component */
		for (char *c = strtok(s + 2, "/"); c; c = strtok(NULL, "/")) {
			size_t n = strlen(c);

			last = c;
			if ((n > 8 && !strcmp(c + n - 8, ".service")) ||
			    (n > 6 && !strcmp(c + n - 6, ".scope")))
				snprintf(out, len, "%s", last);
		}
	}
	fclose(f);
}

static int is_service(const char *unit)
{
	size_t n = strlen(unit);

	return n > 8 && !strcmp(unit + n - 8, ".service");
}

/* What the fix for a missing environment variable / limit says. */
static void fix_for(const char *unit, const char *setting,
		    const char *dropin, const char *plain, char *out,
		    size_t len)
{
	int have_dropin = access(dropin, F_OK) == 0;

	if (is_service(unit))
		snprintf(out, len,
			 "systemctl edit %s: [Service] %s, then systemctl restart %s%s%s%s",
			 unit, setting, unit,
			 have_dropin ? "; or for every unit: mkdir -p /etc/systemd/system.conf.d && ln -s " : "",
			 have_dropin ? dropin : "",
			 have_dropin ? " /etc/systemd/system.conf.d/ && systemctl daemon-reexec, then restart it" : "");
	else
		snprintf(out, len, "%s", plain);
}

/* Check pid if it runs Go: 1 when it does, 0 when not. */
static int check_process(struct doctor *d, int pid)
{
	char ver[64], unit[256], tb[64], fix[1024], exe[PATH_MAX];
	char comm[64] = "?", val[256], p[64], name[PATH_MAX + 300];
	const char *fatal_why = NULL;
	long long lim;
	int tbk, upgrades;
	unsigned long long filter = 0;
	int r, problems = d->lost + d->warn;
	ssize_t n;

	/* The module's gotraceback knob, when it upgrades this process. */
	tbk = !strcmp(d->gotraceback, "crash") ? 2 :
	      !strcmp(d->gotraceback, "crash-if-unset") ? 1 : 0;
	r = proc_is_go(pid, ver, sizeof(ver), tbk ? &fatal_why : NULL);
	if (r <= 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	n = readlink(p, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	proc_status(pid, "Name", comm, sizeof(comm));
	proc_unit(pid, unit, sizeof(unit));
	snprintf(name, sizeof(name), "pid %d %s (%s%s%s)", pid, exe, ver,
		 unit[0] ? ", " : "", unit);

	/* GOTRACEBACK: only "crash" (or the older "2"? no: 2 is "system")
	 * makes a panic end in SIGABRT and a core. */
	r = proc_getenv(pid, "GOTRACEBACK", tb, sizeof(tb));
	upgrades = tbk && !fatal_why && (tbk == 2 || r == 0);
	if (upgrades) {
		finding(d, LV_OK, pid, unit, NULL,
			"%s: GOTRACEBACK is %s%s%s, and gocoredump's gotraceback=%s makes its fatal errors end as under GOTRACEBACK=crash (every goroutine, SIGABRT, a core)",
			name, r > 0 ? "\"" : r == 0 ? "not set" : "unknown",
			r > 0 ? tb : "", r > 0 ? "\"" : "", d->gotraceback);
	} else if (r < 0) {
		finding(d, LV_WARN, pid, unit, "run gocap doctor as root",
			"%s: cannot read its environment (%s): GOTRACEBACK unknown",
			name, strerror(errno));
	} else if (r == 0 || strcmp(tb, "crash")) {
		fix_for(unit, "Environment=GOTRACEBACK=crash", DROPIN_TRACE,
			"start it with GOTRACEBACK=crash in its environment",
			fix, sizeof(fix));
		finding(d, LV_LOST, pid, unit, fix,
			"%s: GOTRACEBACK is %s%s%s: a panic or fatal error prints a traceback and exits with status 2, without a core (unless the program calls debug.SetTraceback(\"crash\"))%s%s%s",
			name, r ? "\"" : "not set", r ? tb : "", r ? "\"" : "",
			tbk && fatal_why ? "; gocoredump's gotraceback knob cannot help it: " : "",
			tbk && fatal_why ? fatal_why : "",
			!tbk && d->module_loaded ? "; or have gocoredump upgrade it: echo crash > " SYSFS_KNOBS "/gotraceback (gocoredump(4))" : "");
	}

	/* RLIMIT_CORE */
	lim = proc_core_limit(pid);
	if (lim == 1 && d->handler != H_FILE) {
		fix_for(unit, "LimitCORE=infinity", DROPIN_LIMIT,
			"start it after ulimit -c unlimited", fix,
			sizeof(fix));
		finding(d, LV_LOST, pid, unit, fix,
			"%s: RLIMIT_CORE is 1, which the kernel reads as \"no core for a pipe handler\"",
			name);
	} else if (lim == 0) {
		fix_for(unit, "LimitCORE=infinity", DROPIN_LIMIT,
			"start it after ulimit -c unlimited", fix,
			sizeof(fix));
		if (d->handler == H_FILE || d->core_limit_honor)
			finding(d, LV_LOST, pid, unit, fix,
				"%s: RLIMIT_CORE is 0 (ulimit -c; systemd's default for services): %s",
				name, d->handler == H_FILE ?
				"the kernel writes no core file" :
				"gocapd keeps only the metadata (CoreLimit=honor)");
		else
			finding(d, LV_WARN, pid, unit, fix,
				"%s: RLIMIT_CORE is 0 (ulimit -c; systemd's default for services): gocapd stores the core anyway (CoreLimit=ignore), a core file or CoreLimit=honor would not",
				name);
	}

	/* coredump_filter: bit 0 anonymous private, bit 1 anonymous shared
	 * (the Go heap and stacks), bit 2 file-backed private (text, rodata:
	 * the module forces those). */
	snprintf(p, sizeof(p), "/proc/%d/coredump_filter", pid);
	if (read_line(p, val, sizeof(val)) == 0) {
		filter = strtoull(val, NULL, 16);
		if ((filter & 3) != 3)
			finding(d, LV_LOST, pid, unit,
				"echo 0x33 > /proc/PID/coredump_filter, or find what lowered it (it is inherited)",
				"%s: coredump_filter is 0x%llx: anonymous memory (the Go heap and stacks) is left out of the core",
				name, filter);
		/* (without the module, its finding above says so once) */
		else if (!(filter & 4) && d->module_loaded && d->force != 3)
			finding(d, LV_WARN, pid, unit, "modprobe gocoredump",
				"%s: coredump_filter 0x%llx leaves out its text and rodata and gocoredump.ko is not forcing them: gocap needs the executable",
				name, filter);
	}

	/* Dumpable: set-id or file capabilities mark the process
	 * non-dumpable at exec unless fs.suid_dumpable says otherwise;
	 * a non-dumpable process's /proc/PID is root's. */
	{
		char uid[128] = "", gid[128] = "", sd[16] = "0";
		unsigned int ru = 0, eu = 0, su = 0, rg = 0, eg = 0, sg = 0;
		struct stat sb, pb;
		int setid = 0, fcaps = 0, nondump = 0;

		proc_status(pid, "Uid", uid, sizeof(uid));
		proc_status(pid, "Gid", gid, sizeof(gid));
		sscanf(uid, "%u %u %u", &ru, &eu, &su);
		sscanf(gid, "%u %u %u", &rg, &eg, &sg);
		if (ru != eu || ru != su || rg != eg || rg != sg)
			setid = 1;
		if (exe[0] && stat(exe, &sb) == 0 &&
		    (sb.st_mode & (S_ISUID | S_ISGID)))
			setid = 1;
		if (exe[0] && getxattr(exe, "security.capability", NULL, 0) > 0)
			fcaps = 1;
		snprintf(p, sizeof(p), "/proc/%d", pid);
		if (eu != 0 && stat(p, &pb) == 0 && pb.st_uid == 0)
			nondump = 1;
		read_line("/proc/sys/fs/suid_dumpable", sd, sizeof(sd));
		if ((setid || fcaps) && !strcmp(sd, "0"))
			finding(d, LV_LOST, pid, unit,
				"sysctl fs.suid_dumpable=2 (cores of such processes then go only to a pipe handler, as root), in /etc/sysctl.d/ to keep it",
				"%s: %s, and fs.suid_dumpable=0: the kernel marks it non-dumpable, no core",
				name, fcaps ? "its executable has file capabilities" :
				"it runs set-id");
		else if ((setid || fcaps) && !strcmp(sd, "2") &&
			 d->handler == H_FILE)
			finding(d, LV_LOST, pid, unit,
				"a pipe handler (apt install gocapd), or an absolute core_pattern path",
				"%s: set-id or file capabilities with fs.suid_dumpable=2 and a relative core file name: no core",
				name);
		else if (nondump && !setid && !fcaps)
			finding(d, LV_LOST, pid, unit,
				"the program makes itself non-dumpable (prctl(PR_SET_DUMPABLE, 0)): it has to stop doing so",
				"%s: non-dumpable (its /proc/%d is root's): no core",
				name, pid);
	}

	/* PID 1 of a PID namespace: the kernel drops the SIGABRT the Go
	 * runtime sends itself (no handler of its own), so it exits 2. */
	if (proc_status(pid, "NSpid", val, sizeof(val)) == 0) {
		const char *last = strrchr(val, '\t');

		last = last ? last + 1 : val;
		if (strchr(val, '\t') && !strcmp(last, "1") && upgrades)
			finding(d, LV_OK, pid, unit, NULL,
				"%s: PID 1 of its PID namespace, where the kernel ignores the SIGABRT the Go runtime raises; gocoredump's gotraceback=%s lets it through",
				name, d->gotraceback);
		else if (strchr(val, '\t') && !strcmp(last, "1"))
			finding(d, LV_LOST, pid, unit,
				"run it under an init that forwards signals (docker run --init, tini, dumb-init), so that it is not PID 1; or turn on gocoredump's gotraceback knob (gocoredump(4))",
				"%s: PID 1 of its PID namespace: the kernel ignores the SIGABRT the Go runtime raises to dump core, so it exits without one",
				name);
	}
	if (d->lost + d->warn == problems)
		finding(d, LV_OK, pid, unit, NULL,
			"%s: %s, RLIMIT_CORE %s, coredump_filter 0x%llx: its crash will be captured",
			name, upgrades ? "its fatal errors upgraded by gocoredump" :
			"GOTRACEBACK=crash", lim == -1 ? "unlimited" : lim == -2 ? "unknown" :
			"limited", filter);
	return 1;
}

static void check_processes(struct doctor *d)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int seen = 0, self = getpid();

	d->section = "processes";
	if (!dir) {
		finding(d, LV_WARN, 0, NULL, NULL, "cannot read /proc: %s",
			strerror(errno));
		return;
	}
	while ((e = readdir(dir))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		seen += check_process(d, (int)pid);
	}
	closedir(dir);
	if (!seen)
		finding(d, LV_OK, 0, NULL, NULL, "no Go process is running");
}

int cmd_doctor(struct gocap_opts *o)
{
	struct doctor d;
	const char *conf = o->config ? o->config : GOCAPD_CONFIG_PATH;

	memset(&d, 0, sizeof(d));
	d.json = o->json;
	d.findings = json_array();
	if (!d.findings) {
		gocap_err("out of memory");
		return 1;
	}
	check_module(&d);
	check_handler(&d);
	check_store(&d, o->store_dir, conf);
	check_processes(&d);

	if (d.json) {
		json_t *top = json_object();
		int bad = 0;

		js_put(top, "captured", json_boolean(d.lost == 0), &bad);
		js_put(top, "lost", json_integer(d.lost), &bad);
		js_put(top, "warnings", json_integer(d.warn), &bad);
		js_put(top, "findings", d.findings, &bad);
		if (bad || js_write(stdout, top, 1)) {
			gocap_err("cannot write the JSON output");
			json_decref(top);
			return 1;
		}
		json_decref(top);
	} else {
		json_decref(d.findings);
		if (d.lost)
			printf("\ngocap doctor: the next crash would lose something: %d problem%s, %d warning%s (each with its fix above)\n",
			       d.lost, d.lost == 1 ? "" : "s", d.warn,
			       d.warn == 1 ? "" : "s");
		else
			printf("\ngocap doctor: the next Go crash will be captured (%d warning%s)\n",
			       d.warn, d.warn == 1 ? "" : "s");
	}
	return d.lost ? 1 : 0;
}
