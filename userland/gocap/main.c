// SPDX-License-Identifier: GPL-2.0
/*
 * gocap - inspect Go cores: the goroutines rebuilt from a core, the
 * gocoredump note, and the dumps gocapd stored (see Documentation/gocap.rst).
 *
 * This file parses the command line and dispatches; it knows nothing about
 * cores or the store.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gocap/gocap.h"
#include "gocap/group.h"

void gocap_err(const char *fmt, ...)
{
	va_list ap;

	fputs("gocap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fputs(
"usage: gocap [--store DIR] COMMAND [ARGS]\n"
"\n"
"Commands on a core file (or a store ID instead of --core):\n"
"  goroutines (--core FILE | ID) [--exe FILE] [--json] [--all-frames]\n"
"             [--group | --waits] [--filter KEY=VALUE]...\n"
"        every goroutine's stack, in the Go runtime's GOTRACEBACK=crash\n"
"        format (or JSON), rebuilt from the core; --group: buckets of\n"
"        goroutines alike; --waits: the blocked ones by what they wait\n"
"        on (channels, selects, mutexes, wait groups); --filter: state=RE,\n"
"        wait=DURATION, func=RE, file=RE, label=KEY=VALUE, created=RE\n"
"  summary (--core FILE | ID) [--exe FILE] [--json] [--filter ...]\n"
"        one screen: the crash, top buckets and waits, longest\n"
"        waiters, states\n"
"  note (--core FILE | ID) [--json]\n"
"        the gocoredump scheduler note of the core\n"
"  heap (--core FILE | ID) [--exe FILE] [--json]\n"
"        where the memory went: what runtime.ReadMemStats would have\n"
"        returned at the crash, and the core's mappings by kind\n"
"  heap allocs (--core FILE | ID) [--exe FILE] -o FILE\n"
"        the program's own sampled heap profile, as /debug/pprof/heap\n"
"        would have served it at the crash, for go tool pprof\n"
"  heap types (--core FILE | ID) [--exe FILE] [--json]\n"
"        the objects reachable from the roots by type, and garbage\n"
"  heap why ADDR|TYPE (--core FILE | ID) [--exe FILE] [--all [-n N]] [--json]\n"
"        why the heap object holding ADDR (or TYPE's object nearest the\n"
"        roots) is reachable: a shortest chain of objects from a root\n"
"        (global, stack, registers) to it, each field named; --all:\n"
"        up to N (10) paths, through each object, global, frame or\n"
"        thread pointing to it\n"
"  heap top (--core FILE | ID) [--exe FILE] [--retained] [-n N] [--json]\n"
"        the N (20) largest objects and, --retained, the objects and\n"
"        types that keep the most memory alive (dominator tree)\n"
"  heap pprof (--core FILE | ID) [--exe FILE] [--retained] -o FILE\n"
"        the reachable objects by type as a profile for go tool pprof;\n"
"        --retained: each under the types of its dominators\n"
"  heap diff A B [--exe FILE] [--json]\n"
"        growth from core (or dump ID) A to B of the same build: the\n"
"        memory statistics, the heap profiles by allocation site, and\n"
"        the reachable objects by type\n"
"  roots --core FILE [--exe FILE] [--no-symtab] [--no-note]\n"
"        where the Go scheduler roots are and how they were found\n"
"  layout (--exe FILE | --version go1.N) [--c-table MINOR]\n"
"        the runtime struct offsets gocap uses\n"
"  releases\n"
"        the Go releases gocap reads, one per line\n"
"  The executable's DWARF (types, the layout) is read from it or from\n"
"  its separate debug file (a -dbgsym package's): by build ID or\n"
"  .gnu_debuglink under /usr/lib/debug, or --debug-dir DIR; without\n"
"  --exe, by the build ID in the core\n"
"\n"
"Commands on a running process (it goes on running):\n"
"  snapshot PID [-o FILE] [--no-precopy] [--config FILE] [--socket PATH]\n"
"        an ELF core of the process, which is stopped only while its\n"
"        writable memory is copied: to FILE, or without -o into gocapd's\n"
"        store (through its core_pattern helper), marked as a snapshot\n"
"  goroutines, summary, note, roots, heap: --pid PID instead of --core\n"
"        the same, from a snapshot taken for the command\n"
"\n"
"Commands on gocapd's store (default " "/var/lib/gocap" "):\n"
"  list [--exe PATH|NAME] [--since T] [--until T] [--signal SIG] [-r] [--json]\n"
"  info ID [--json]\n"
"  dump ID -o FILE       write the core (decompressed) to FILE\n"
"  debug ID [--debugger gdb|dlv] [-- ARGS]\n"
"        run gdb or dlv core on the dump's saved executable and core\n"
"\n"
"The host:\n"
"  doctor [--json] [--config FILE]\n"
"        will the next Go crash here be captured?  Each problem with its fix;\n"
"        exit status 1 when something would be lost\n"
"\n"
"Times are YYYY-MM-DD[ HH:MM[:SS]] (local), @EPOCH or -N{s,m,h,d} ago.\n",
	      f);
}

enum {
	OPT_STORE = 256, OPT_CORE, OPT_EXE, OPT_JSON, OPT_ALL_FRAMES,
	OPT_SINCE, OPT_UNTIL, OPT_SIGNAL, OPT_DEBUGGER, OPT_NO_DWARF,
	OPT_DEBUG_DIR,
	OPT_NO_SYMTAB, OPT_NO_NOTE, OPT_C_TABLE, OPT_VERSION, OPT_CONFIG,
	OPT_GROUP, OPT_WAITS, OPT_FILTER, OPT_PID, OPT_SOCKET, OPT_NO_PRECOPY,
	OPT_RETAINED, OPT_ALL,
};

static const struct option longopts[] = {
	{ "store", required_argument, NULL, OPT_STORE },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "all-frames", no_argument, NULL, OPT_ALL_FRAMES },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "signal", required_argument, NULL, OPT_SIGNAL },
	{ "debugger", required_argument, NULL, OPT_DEBUGGER },
	{ "no-dwarf", no_argument, NULL, OPT_NO_DWARF },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "no-symtab", no_argument, NULL, OPT_NO_SYMTAB },
	{ "no-note", no_argument, NULL, OPT_NO_NOTE },
	{ "c-table", required_argument, NULL, OPT_C_TABLE },
	{ "version", required_argument, NULL, OPT_VERSION },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "group", no_argument, NULL, OPT_GROUP },
	{ "waits", no_argument, NULL, OPT_WAITS },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "no-precopy", no_argument, NULL, OPT_NO_PRECOPY },
	{ "retained", no_argument, NULL, OPT_RETAINED },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "count", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "reverse", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	const char *name;
	int (*fn)(struct gocap_opts *o);
	int takes_id;		/* 1: optional ID, 2: required ID, 3: PID */
} commands[] = {
	{ "goroutines", cmd_goroutines, 1 },
	{ "summary", cmd_summary, 1 },
	{ "note", cmd_note, 1 },
	{ "roots", cmd_roots, 1 },
	{ "heap", cmd_heap, 1 },
	{ "layout", cmd_layout, 0 },
	{ "releases", cmd_releases, 0 },
	{ "list", cmd_list, 0 },
	{ "info", cmd_info, 2 },
	{ "dump", cmd_dump, 2 },
	{ "debug", cmd_debug, 2 },
	{ "doctor", cmd_doctor, 0 },
	{ "snapshot", cmd_snapshot, 3 },
};

int main(int argc, char **argv)
{
	static struct gfilters filters;
	struct gocap_opts o;
	const char *cmd = NULL;
	size_t i;
	int c, ret;

	memset(&o, 0, sizeof(o));
	/* Options may come before or after the command. */
	for (;;) {
		/* "--": the rest goes to the debugger (getopt would eat it). */
		if (optind < argc && !strcmp(argv[optind], "--")) {
			o.rest = argv + optind + 1;
			o.nrest = argc - optind - 1;
			break;
		}
		c = getopt_long(argc, argv, "+o:n:rh", longopts, NULL);
		if (c == -1 && optind >= argc)
			break;
		if (c == -1) {
			if (!cmd)
				cmd = argv[optind];
			else if (!o.sub && !o.id && !strcmp(cmd, "heap") &&
				 (!strcmp(argv[optind], "allocs") ||
				  !strcmp(argv[optind], "types") ||
				  !strcmp(argv[optind], "why") ||
				  !strcmp(argv[optind], "top") ||
				  !strcmp(argv[optind], "pprof") ||
				  !strcmp(argv[optind], "diff")))
				o.sub = argv[optind];
			else if (o.sub && !strcmp(o.sub, "why") && !o.addr)
				o.addr = argv[optind];
			else if (!o.id)
				o.id = argv[optind];
			else if (o.sub && !strcmp(o.sub, "diff") && !o.id2)
				o.id2 = argv[optind];
			else {
				gocap_err("unexpected argument \"%s\" (try gocap --help)",
					  argv[optind]);
				return 2;
			}
			optind++;
			continue;
		}
		switch (c) {
		case OPT_STORE:
			o.store_dir = optarg;
			break;
		case OPT_CORE:
			o.core = optarg;
			break;
		case OPT_EXE:
			o.exe = optarg;
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_ALL_FRAMES:
			o.all_frames = 1;
			break;
		case OPT_SINCE:
			o.since = optarg;
			break;
		case OPT_UNTIL:
			o.until = optarg;
			break;
		case OPT_SIGNAL:
			o.signal = optarg;
			break;
		case OPT_DEBUGGER:
			o.debugger = optarg;
			break;
		case OPT_NO_DWARF:
			o.no_dwarf = 1;
			break;
		case OPT_DEBUG_DIR:
			o.debug_dir = optarg;
			break;
		case OPT_NO_SYMTAB:
			o.no_symtab = 1;
			break;
		case OPT_NO_NOTE:
			o.no_note = 1;
			break;
		case OPT_C_TABLE:
			o.c_table = 1;
			o.c_table_minor = atoi(optarg);
			break;
		case OPT_VERSION:
			o.go_version = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case OPT_GROUP:
			o.group = 1;
			break;
		case OPT_WAITS:
			o.waits = 1;
			break;
		case OPT_FILTER: {
			char err[256];

			o.filters = &filters;
			if (gfilter_add(&filters, optarg, err, sizeof(err))) {
				gocap_err("%s", err);
				return 2;
			}
			break;
		}
		case OPT_PID:
			o.pid = optarg;
			break;
		case OPT_SOCKET:
			o.socket = optarg;
			break;
		case OPT_NO_PRECOPY:
			o.no_precopy = 1;
			break;
		case OPT_RETAINED:
			o.retained = 1;
			break;
		case OPT_ALL:
			o.all = 1;
			break;
		case 'n': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (!*optarg || *end || v < 1 || v > 1000000) {
				gocap_err("-n takes a count from 1 to 1000000, not \"%s\"",
					  optarg);
				return 2;
			}
			o.count = (size_t)v;
			break;
		}
		case 'o':
			o.output = optarg;
			break;
		case 'r':
			o.reverse = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	/* heap diff A B: two cores or dump IDs, resolved by cmd_heap */
	if (o.sub && !strcmp(o.sub, "diff")) {
		if (!o.id2 || o.core || o.pid) {
			gocap_err("heap diff takes two cores or dump IDs: gocap heap diff A B [--exe FILE]");
			return 2;
		}
		ret = cmd_heap(&o);
		gocap_cleanup();
		gfilters_free(&filters);
		return ret;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		if (o.id && !commands[i].takes_id) {
			gocap_err("%s takes no ID argument (\"%s\")", cmd, o.id);
			return 2;
		}
		if (commands[i].takes_id == 3 && !o.id) {
			gocap_err("%s needs a process ID", cmd);
			return 2;
		}
		if (o.pid && (commands[i].takes_id != 1 || o.id || o.core)) {
			gocap_err(commands[i].takes_id != 1 ?
				  "--pid is for goroutines, summary, note, roots and heap" :
				  "give one of a dump ID, --core and --pid");
			return 2;
		}
		if (o.pid) {
			ret = snapshot_resolve(&o);
			if (ret)
				return ret;
		}
		if (commands[i].takes_id == 2 && !o.id) {
			gocap_err("%s needs a dump ID (see gocap list)", cmd);
			return 2;
		}
		if (commands[i].takes_id == 1 && o.id && o.core) {
			gocap_err("give either a dump ID or --core, not both");
			return 2;
		}
		if (commands[i].takes_id == 1 && o.id) {
			ret = store_resolve(&o);
			if (ret)
				return ret;
		}
		ret = commands[i].fn(&o);
		gocap_cleanup();
		gfilters_free(&filters);
		return ret;
	}
	gocap_err("unknown command \"%s\" (try gocap --help)", cmd);
	return 2;
}
