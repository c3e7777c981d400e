// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_store.c - gocap commands over gocapd's dump store (userland/store/
 * store.h): list, info, dump, debug, and the resolution of a dump ID into
 * a core file (and saved executable) for the core commands.
 *
 * The store is opened read-only: through its index as root, or, for a
 * user, through the annotations of their own dumps (store.h).  Output
 * follows coredumpctl: list has TIME PID UID GID SIG COREFILE EXE SIZE
 * columns, info a "Field: value" block, dump writes the core to -o FILE
 * (or to stdout when it is not a terminal), debug runs the debugger on the
 * dump's own saved executable and the core.
 *
 * Every text field that came from the crashed process (its executable's
 * path, its cgroup, its Go module...) is printed escaped (esc()): no name
 * reaches the terminal as a control sequence or breaks a row.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "gocap/gocap.h"
#include "store/paths.h"
#include "store/store.h"

/* Decompressed cores to remove: one per core a command reads (two for
 * heap diff). */
static char tmp_cores[2][PATH_MAX];
static unsigned int ntmp;

void gocap_cleanup(void)
{
	while (ntmp) {
		ntmp--;
		if (tmp_cores[ntmp][0])
			unlink(tmp_cores[ntmp]);
		tmp_cores[ntmp][0] = '\0';
	}
}

/*
 * s made safe to print: control bytes (C0, DEL), C1 controls, the Unicode
 * line separators and bidirectional overrides, and bytes that are not
 * UTF-8 become \xNN (or \u{NNNN}); a backslash becomes \\, so that the
 * escaping itself is unambiguous.  Into buf (len bytes), cut to fit.
 */
static const char *esc(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 12 < len) {
		unsigned int cp = 0, n = 0;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				o += (size_t)snprintf(buf + o, len - o, "\\x%02x",
						      *p);
			else if (*p == '\\')
				o += (size_t)snprintf(buf + o, len - o, "\\\\");
			else
				buf[o++] = (char)*p;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			n = 3;
		}
		for (unsigned int i = 1; n && i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				n = 0;
				break;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (!n || (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
			p++;
			continue;
		}
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
		    cp == 0x200f || cp == 0x061c) {
			o += (size_t)snprintf(buf + o, len - o, "\\u{%04x}", cp);
		} else {
			memcpy(buf + o, p, n + 1);
			o += n + 1;
		}
		p += n + 1;
	}
	buf[o] = 0;
	return buf;
}

static struct store *open_store(const struct gocap_opts *o)
{
	struct store *s = NULL;
	char err[512];
	int r = store_open(&s, o->store_dir, STORE_O_READONLY, err,
			   sizeof(err));

	if (r < 0) {
		gocap_err("%s", err);
		return NULL;
	}
	return s;
}

static int parse_id(const char *arg, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || *end || v <= 0) {
		gocap_err("\"%s\" is not a dump ID (a positive number; see gocap list)",
			  arg);
		return -1;
	}
	*id = v;
	return 0;
}

static int get_dump(struct store *s, const char *arg, struct store_dump *d)
{
	int64_t id;
	int r;

	if (parse_id(arg, &id))
		return -1;
	r = store_get(s, id, d);
	if (r == -ENOENT) {
		gocap_err("%s: no dump with ID %lld", store_path(s), (long long)id);
		return -1;
	}
	if (r < 0) {
		gocap_err("%s", store_error(s));
		return -1;
	}
	return 0;
}

/* Time arguments: "YYYY-MM-DD[ HH:MM[:SS]]" (local), "@EPOCH", "-N[smhd]". */
static int parse_time(const char *arg, int64_t *us)
{
	struct tm tm;
	char *end;
	const char *e;

	if (arg[0] == '@') {
		long long v = strtoll(arg + 1, &end, 10);

		if (end == arg + 1 || *end)
			goto bad;
		*us = v * 1000000;
		return 0;
	}
	if (arg[0] == '-') {
		long long v = strtoll(arg + 1, &end, 10);
		long long mul = 1;

		if (end == arg + 1)
			goto bad;
		switch (*end) {
		case 's':
		case '\0':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			goto bad;
		}
		if (*end && end[1])
			goto bad;
		*us = ((int64_t)time(NULL) - v * mul) * 1000000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	e = strptime(arg, "%Y-%m-%d", &tm);
	if (e && *e == ' ' && strptime(e + 1, "%H:%M:%S", &tm))
		e = "";
	else if (e && *e == ' ')
		e = strptime(e + 1, "%H:%M", &tm);
	if (!e || *e)
		goto bad;
	tm.tm_isdst = -1;
	*us = (int64_t)mktime(&tm) * 1000000;
	return 0;
bad:
	gocap_err("\"%s\" is not a time (YYYY-MM-DD[ HH:MM[:SS]], @EPOCH or -N{s,m,h,d})",
		  arg);
	return -1;
}

static int parse_signal(const char *arg, int32_t *sig)
{
	char *end;
	long v = strtol(arg, &end, 10);
	int i;

	if (end != arg && !*end && v > 0 && v < 65) {
		*sig = (int32_t)v;
		return 0;
	}
	if (!strncasecmp(arg, "SIG", 3))
		arg += 3;
	for (i = 1; i < 65; i++) {
		const char *n = sigabbrev_np(i);

		if (n && !strcasecmp(n, arg)) {
			*sig = i;
			return 0;
		}
	}
	gocap_err("\"%s\" is not a signal (a number or a name like ABRT)", arg);
	return -1;
}

static void fmt_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
}

static void fmt_size(uint64_t b, char *buf, size_t len)
{
	static const char u[] = "BKMGTP";
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, len, "%.1f%c", v, u[i]);
}

/* coredumpctl's COREFILE column. */
static const char *corefile_state(struct store *s, const struct store_dump *d)
{
	int fd;

	if (d->storage == STORE_NONE || !d->core_file[0])
		return "none";
	fd = store_openat(s, d->core_file, O_RDONLY);
	if (fd < 0)
		return "missing";
	close(fd);
	if (d->status == STORE_TRUNCATED)
		return "truncated";
	return "present";
}

static json_t *dump_json(struct store *s, const struct store_dump *d)
{
	const char *sn = d->signal > 0 && d->signal < 65 ?
			 sigabbrev_np(d->signal) : NULL;
	char signame[16];
	json_t *o = json_object();
	int bad = !o;

	if (bad)
		return NULL;
	snprintf(signame, sizeof(signame), "SIG%s", sn ? sn : "");
	js_put(o, "id", json_integer(d->id), &bad);
	js_put(o, "time_us", json_integer(d->time_us), &bad);
	js_put(o, "pid", json_integer(d->pid), &bad);
	js_put(o, "uid", json_integer(d->uid), &bad);
	js_put(o, "gid", json_integer(d->gid), &bad);
	js_put(o, "signal", json_integer(d->signal), &bad);
	js_put(o, "signal_name", sn ? js_text(signame) : json_null(), &bad);
	/* signal 0: gocap snapshot of a running process (no crash) */
	js_put(o, "snapshot", json_boolean(d->signal == 0), &bad);
	js_put(o, "si_code", json_integer(d->si_code), &bad);
	js_put(o, "exe", js_text(d->exe), &bad);
	js_put(o, "exe_build_id", js_text(d->exe_build_id), &bad);
	js_put(o, "comm", js_text(d->comm), &bad);
	js_put(o, "hostname", js_text(d->hostname), &bad);
	js_put(o, "boot_id", js_text(d->boot_id), &bad);
	js_put(o, "cgroup", js_text(d->cgroup), &bad);
	js_put(o, "container_id", js_text(d->container_id), &bad);
	js_put(o, "corefile", js_text(corefile_state(s, d)), &bad);
	js_put(o, "core_file", js_text(d->core_file), &bad);
	js_put(o, "storage", js_text(store_storage_name(d->storage)), &bad);
	js_put(o, "status", js_text(store_status_name(d->status)), &bad);
	js_put(o, "status_why", js_text(d->status_why), &bad);
	js_put(o, "size_on_disk", json_integer((json_int_t)d->size_on_disk),
	       &bad);
	js_put(o, "apparent_size", json_integer((json_int_t)d->apparent_size),
	       &bad);
	js_put(o, "annotation_file", js_text(d->annotation_file), &bad);
	js_put(o, "saved_exe", js_text(d->saved_exe), &bad);
	js_put(o, "suppressed_before",
	       json_integer((json_int_t)d->suppressed_before), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct list_ctx {
	struct store *s;
	int json, n;
	struct js_stream js;
};

static int list_one(void *arg, const struct store_dump *d)
{
	struct list_ctx *c = arg;
	char t[64], sz[32], exe[STORE_PATH_LEN * 4];
	const char *sn = d->signal > 0 && d->signal < 65 ?
			 sigabbrev_np(d->signal) : NULL;

	if (c->json) {
		js_element(&c->js, dump_json(c->s, d));
	} else {
		fmt_time(d->time_us, t, sizeof(t));
		fmt_size(d->apparent_size, sz, sizeof(sz));
		printf("%-6lld %-28s %7d %5d %5d %-5s %-9s %-40s %6s\n",
		       (long long)d->id, t, d->pid, d->uid, d->gid,
		       sn ? sn : d->signal ? "-" : "snap",
		       corefile_state(c->s, d),
		       d->exe[0] ? esc(d->exe, exe, sizeof(exe)) : "-",
		       d->storage == STORE_NONE ? "-" : sz);
	}
	c->n++;
	return 0;
}

int cmd_list(struct gocap_opts *o)
{
	struct store_filter f;
	struct list_ctx c;
	struct store *s;
	int r, by_user;

	memset(&f, 0, sizeof(f));
	f.exe = o->exe_filter ? o->exe_filter : o->exe;
	if ((o->since && parse_time(o->since, &f.since_us)) ||
	    (o->until && parse_time(o->until, &f.until_us)) ||
	    (o->signal && parse_signal(o->signal, &f.signal)))
		return 2;
	f.newest_first = o->reverse;
	s = open_store(o);
	if (!s)
		return 1;
	by_user = store_by_annotations(s);
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.json = o->json;
	if (c.json)
		js_begin_array(&c.js, stdout, NULL);
	else
		printf("%-6s %-28s %7s %5s %5s %-5s %-9s %-40s %6s\n", "ID",
		       "TIME", "PID", "UID", "GID", "SIG", "COREFILE", "EXE",
		       "SIZE");
	r = store_list(s, &f, list_one, &c);
	if (c.json) {
		js_end_array(&c.js);
		if (js_end(&c.js) && r >= 0) {
			gocap_err("cannot write the list as JSON");
			store_close(s);
			return 1;
		}
	}
	if (r < 0) {
		gocap_err("%s", store_error(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	if (!c.n && !o->json) {
		gocap_err("no dumps found in %s%s%s", o->store_dir ? o->store_dir :
			  STORE_DEFAULT_DIR,
			  (f.exe || f.since_us || f.until_us || f.signal) ?
			  " matching the filters" : "",
			  by_user ? " (of this user: only root sees every dump)" :
			  "");
		return 1;
	}
	return 0;
}

/* Read a store file (the annotation) into a malloc'd NUL-terminated buffer. */
static char *read_store_file(struct store *s, const char *name)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if (!name[0] || (fd = store_openat(s, name, O_RDONLY)) < 0)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *b;

			cap = (cap + 4096) * 2;
			if (cap > (64u << 20) || !(b = realloc(buf, cap))) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = b;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/*
 * The annotation of d, parsed; NULL when there is none or it is not JSON
 * (then said on stderr once: the row's facts are still shown).
 */
static json_t *read_annotation(struct store *s, const struct store_dump *d)
{
	char *text = read_store_file(s, d->annotation_file);
	json_error_t err;
	json_t *a;

	if (!text)
		return NULL;
	a = json_loads(text, 0, &err);
	if (!a || !json_is_object(a)) {
		char e[256];

		gocap_err("warning: %s/%s is not a JSON object (%s, line %d); showing the index only",
			  store_path(s), d->annotation_file,
			  esc(err.text, e, sizeof(e)), err.line);
		json_decref(a);
		a = NULL;
	}
	free(text);
	return a;
}

/* The string at path "key" or "key.sub" of the annotation, or NULL. */
static const char *ann_str(const json_t *a, const char *key, const char *sub)
{
	const json_t *v = json_object_get(a, key);

	if (sub)
		v = json_object_get(v, sub);
	return json_string_value(v);
}

/* An escaped copy of a field, in one of a few rotating buffers (a printf
 * takes several at once). */
static const char *escaped(const char *s)
{
	static char bufs[4][STORE_PATH_LEN * 4];
	static unsigned int next;

	return esc(s, bufs[next++ % 4], sizeof(bufs[0]));
}
#define E(s) escaped(s)

int cmd_info(struct gocap_opts *o)
{
	struct store_dump d;
	struct store *s = open_store(o);
	char t[64], sz[32], sz2[32];
	const char *sn, *v;
	json_t *ann;

	if (!s)
		return 1;
	if (get_dump(s, o->id, &d)) {
		store_close(s);
		return 1;
	}
	ann = read_annotation(s, &d);
	if (o->json) {
		json_t *j = json_object();
		int bad = !j;

		js_put(j, "dump", dump_json(s, &d), &bad);
		js_put(j, "annotation", ann ? ann : json_null(), &bad);
		if (bad || js_write(stdout, j, 1)) {
			gocap_err("cannot write dump %s as JSON", o->id);
			bad = 1;
		}
		json_decref(j);
		store_close(s);
		return bad;
	}
	sn = d.signal > 0 && d.signal < 65 ? sigabbrev_np(d.signal) : NULL;
	fmt_time(d.time_us, t, sizeof(t));
	printf("           ID: %lld\n", (long long)d.id);
	printf("          PID: %d (%s)\n", d.pid,
	       d.comm[0] ? E(d.comm) : "?");
	printf("          UID: %d\n          GID: %d\n", d.uid, d.gid);
	if (d.signal)
		printf("       Signal: %d (%s), si_code %d\n", d.signal,
		       sn ? sn : "?", d.si_code);
	else
		printf("       Signal: none: a snapshot of the running process (gocap snapshot)\n");
	printf("    Timestamp: %s\n", t);
	if ((v = ann_str(ann, "cwd", NULL)))
		printf("          Cwd: %s\n", E(v));
	printf("   Executable: %s\n", d.exe[0] ? E(d.exe) : "-");
	if (d.exe_build_id[0])
		printf("     Build ID: %s\n", E(d.exe_build_id));
	if ((v = ann_str(ann, "go", "version"))) {
		printf("           Go: %s", E(v));
		if ((v = ann_str(ann, "go", "module")))
			printf(", module %s", E(v));
		if ((v = ann_str(ann, "go", "vcs_revision")))
			printf(", revision %s", E(v));
		printf("\n");
	}
	if (d.cgroup[0])
		printf("Control Group: %s\n", E(d.cgroup));
	if (d.container_id[0])
		printf("    Container: %s\n", E(d.container_id));
	printf("     Hostname: %s\n", d.hostname[0] ? E(d.hostname) : "-");
	printf("      Boot ID: %s\n", d.boot_id[0] ? E(d.boot_id) : "-");
	if (d.storage == STORE_NONE) {
		printf("      Storage: none (%s)\n",
		       d.status_why[0] ? E(d.status_why) : "metadata only");
	} else {
		fmt_size(d.size_on_disk, sz, sizeof(sz));
		fmt_size(d.apparent_size, sz2, sizeof(sz2));
		printf("      Storage: %s/%s (%s, %s)%s\n", E(store_path(s)),
		       E(d.core_file), store_storage_name(d.storage),
		       store_status_name(d.status),
		       strcmp(corefile_state(s, &d), "missing") ? "" :
		       " (file missing)");
		if (d.status_why[0])
			printf("       Reason: %s\n", E(d.status_why));
		printf("    Disk Size: %s\n", sz);
		printf("Apparent Size: %s\n", sz2);
	}
	if (d.saved_exe[0])
		printf("    Saved exe: %s/%s\n", E(store_path(s)), E(d.saved_exe));
	if (d.suppressed_before)
		printf("   Suppressed: %llu dump(s) before this one (rate limit)\n",
		       (unsigned long long)d.suppressed_before);
	if ((v = ann_str(ann, "pid_check", "status")) && !strcmp(v, "mismatch"))
		printf("    PID reuse: %s\n",
		       (v = ann_str(ann, "pid_check", "why")) ? E(v) :
		       "the core and /proc/PID disagree");
	if (json_is_object(json_object_get(ann, "gocoredump_note")))
		printf("         Note: present (gocap note %lld)\n",
		       (long long)d.id);
	json_decref(ann);
	store_close(s);
	return 0;
}

/* Write dump d's core to fd. */
static int extract(struct store *s, const struct store_dump *d, int fd,
		   const char *what)
{
	int64_t n = store_extract_core(s, d, fd);

	if (n == -ENODATA) {
		gocap_err("dump %lld has no core stored (metadata only%s%s)",
			  (long long)d->id, d->status_why[0] ? ": " : "",
			  E(d->status_why));
		return -1;
	}
	if (n < 0) {
		gocap_err("dump %lld: writing the core to %s: %s", (long long)d->id,
			  E(what), E(store_error(s)[0] ? store_error(s) :
				     strerror((int)-n)));
		return -1;
	}
	if (d->status == STORE_TRUNCATED)
		gocap_err("warning: dump %lld is truncated (%s)", (long long)d->id,
			  E(d->status_why));
	return 0;
}

int cmd_dump(struct gocap_opts *o)
{
	struct store_dump d;
	struct store *s;
	struct stat made;
	int fd, ret = 1;

	if (!o->output && isatty(STDOUT_FILENO)) {
		gocap_err("refusing to write a core to a terminal: give -o FILE or redirect stdout");
		return 2;
	}
	s = open_store(o);
	if (!s)
		return 1;
	if (get_dump(s, o->id, &d))
		goto out;
	if (o->output) {
		/* A new file, never an existing one, and never reached
		 * through a symlink: run as root in a directory a user can
		 * write, gocap must not be made to overwrite or create a
		 * file elsewhere (the core's bytes are the user's to choose). */
		fd = paths_open_nofollow(o->output, O_WRONLY | O_CREAT | O_EXCL,
					 0600);
		if (fd < 0) {
			gocap_err("%s: cannot create: %s%s", E(o->output),
				  strerror(-fd),
				  fd == -EEXIST ? " (gocap writes only a new file: remove it, or give another name)" :
				  fd == -ELOOP ? " (a symlink in the path: gocap follows none; give the real path)" :
				  "");
			goto out;
		}
		if (fstat(fd, &made) < 0)
			memset(&made, 0, sizeof(made));
	} else {
		fd = STDOUT_FILENO;
	}
	if (!extract(s, &d, fd, o->output ? o->output : "stdout"))
		ret = 0;
	if (o->output && close(fd) < 0 && !ret) {
		gocap_err("%s: %s", E(o->output), strerror(errno));
		ret = 1;
	}
	if (ret && o->output) {
		struct stat now;
		int nf = paths_open_nofollow(o->output, O_PATH, 0);

		/* Only the file this run made. */
		if (nf >= 0 && fstat(nf, &now) == 0 &&
		    now.st_dev == made.st_dev && now.st_ino == made.st_ino)
			unlink(o->output);
		if (nf >= 0)
			close(nf);
	}
out:
	store_close(s);
	return ret;
}

/*
 * A path to dump d's core: the store file itself when it is raw, else a
 * decompressed temporary file (removed by gocap_cleanup()).
 */
static int core_path(struct store *s, const struct store_dump *d, char *out,
		     size_t outlen)
{
	const char *dir = getenv("TMPDIR");
	char *tmp_core;
	int fd;

	if (d->storage == STORE_RAW && d->core_file[0]) {
		fd = store_openat(s, d->core_file, O_RDONLY);
		if (fd < 0) {
			gocap_err("%s/%s: %s", store_path(s), d->core_file,
				  store_error(s)[0] ? store_error(s) :
				  strerror(-fd));
			return -1;
		}
		close(fd);
		snprintf(out, outlen, "%s/%s", store_path(s), d->core_file);
		return 0;
	}
	if (ntmp == sizeof(tmp_cores) / sizeof(tmp_cores[0])) {
		gocap_err("too many cores to decompress at once");
		return -1;
	}
	tmp_core = tmp_cores[ntmp++];
	snprintf(tmp_core, PATH_MAX, "%s/gocap-core-%lld.XXXXXX",
		 dir && *dir ? dir : "/tmp", (long long)d->id);
	fd = mkstemp(tmp_core);
	if (fd < 0) {
		gocap_err("%s: cannot create a temporary file: %s", tmp_core,
			  strerror(errno));
		tmp_core[0] = '\0';
		return -1;
	}
	if (extract(s, d, fd, tmp_core)) {
		close(fd);
		gocap_cleanup();
		return -1;
	}
	close(fd);
	snprintf(out, outlen, "%s", tmp_core);
	return 0;
}

static char resolved_core[PATH_MAX], resolved_exe[PATH_MAX];

/*
 * CLOCK_MONOTONIC when gocapd received dump d ("monotonic_ns" of its
 * annotation), the best time of the crash after the note's; 0 when the
 * annotation has none (an older gocapd) or it is not a positive integer.
 */
static int64_t annotation_monotonic_ns(struct store *s,
				       const struct store_dump *d)
{
	json_t *ann = read_annotation(s, d);
	json_t *v = json_object_get(ann, "monotonic_ns");
	int64_t ns = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;

	json_decref(ann);
	return ns > 0 ? ns : 0;
}

int store_resolve(struct gocap_opts *o)
{
	struct store_dump d;
	struct store *s = open_store(o);

	if (!s)
		return 1;
	if (get_dump(s, o->id, &d) ||
	    core_path(s, &d, resolved_core, sizeof(resolved_core))) {
		store_close(s);
		return 1;
	}
	o->core = resolved_core;
	o->annotation_monotonic_ns = annotation_monotonic_ns(s, &d);
	if (!o->exe && d.saved_exe[0]) {
		snprintf(resolved_exe, sizeof(resolved_exe), "%s/%s",
			 store_path(s), d.saved_exe);
		o->exe = resolved_exe;
	}
	store_close(s);
	return 0;
}

static int have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (!access(buf, X_OK))
			return 1;
		path = c ? c + 1 : NULL;
	}
	return 0;
}

int cmd_debug(struct gocap_opts *o)
{
	const char *dbg = o->debugger;
	char **argv;
	int n = 0, i, status, ret;
	pid_t pid;

	if (!dbg)
		dbg = have("dlv") ? "dlv" : "gdb";
	if (strcmp(dbg, "dlv") && strcmp(dbg, "gdb")) {
		gocap_err("--debugger must be gdb or dlv, not \"%s\"", dbg);
		return 2;
	}
	if (store_resolve(o))
		return 1;
	if (!o->exe) {
		gocap_err("dump %s has no saved executable (SaveExecutable off, or it "
			  "could not be read); give it with --exe FILE", o->id);
		gocap_cleanup();
		return 1;
	}
	argv = calloc((size_t)o->nrest + 8, sizeof(*argv));
	if (!argv)
		return 1;
	argv[n++] = (char *)dbg;
	if (!strcmp(dbg, "dlv")) {
		argv[n++] = "core";
		argv[n++] = (char *)o->exe;
		argv[n++] = (char *)o->core;
		argv[n++] = "--check-go-version=false";
	} else {
		argv[n++] = "-q";
		argv[n++] = (char *)o->exe;
		argv[n++] = (char *)o->core;
	}
	for (i = 0; i < o->nrest; i++)
		argv[n++] = o->rest[i];
	argv[n] = NULL;
	fprintf(stderr, "gocap: running %s", dbg);
	for (i = 1; i < n; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	/* Fork, so the temporary core is removed after the debugger exits. */
	signal(SIGINT, SIG_IGN);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execvp(dbg, argv);
		gocap_err("cannot run %s: %s", dbg, strerror(errno));
		_exit(127);
	}
	free(argv);
	if (pid < 0) {
		gocap_err("fork: %s", strerror(errno));
		gocap_cleanup();
		return 1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	gocap_cleanup();
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	return ret;
}
