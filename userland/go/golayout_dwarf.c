// SPDX-License-Identifier: GPL-2.0
/*
 * golayout_dwarf.c - runtime struct layouts from an executable's DWARF,
 * through libdw.  Only the top-level structure types of each unit are
 * looked at (the Go linker emits runtime types there), and only
 * DW_AT_data_member_location constants are used: that is all Go writes.
 *
 * Kept apart from golayout.c so that programs that do not need DWARF (the
 * fuzz targets) do not link libdw.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "go/golayout.h"

/* Does name equal one of the '|'-separated alternatives in list? */
static int name_in(const char *name, const char *list)
{
	size_t n = strlen(name);

	while (*list) {
		const char *bar = strchr(list, '|');
		size_t len = bar ? (size_t)(bar - list) : strlen(list);

		if (len == n && !memcmp(name, list, n))
			return 1;
		if (!bar)
			break;
		list = bar + 1;
	}
	return 0;
}

/* Fill every field of l whose struct is `sname` from the members of die. */
static int take_members(Dwarf_Die *st, const char *sname, struct golayout *l,
			unsigned char *seen)
{
	Dwarf_Die m;
	size_t i, n = golayout_nfields();
	int found = 0;

	/* "#size": the struct's own size */
	for (i = 0; i < n; i++) {
		const char *structs, *members;
		Dwarf_Word size;

		golayout_field_spec(i, &structs, &members);
		if (!strcmp(members, "#size") && name_in(sname, structs) &&
		    dwarf_aggregate_size(st, &size) == 0 && size < UINT32_MAX) {
			*golayout_field(l, i) = (uint32_t)size;
			seen[i] = 1;
			found = 1;
		}
	}
	if (dwarf_child(st, &m) != 0)
		return found;
	do {
		Dwarf_Attribute a;
		Dwarf_Word off;
		const char *mname;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		mname = dwarf_diename(&m);
		if (!mname || !dwarf_attr(&m, DW_AT_data_member_location, &a) ||
		    dwarf_formudata(&a, &off) != 0)
			continue;
		for (i = 0; i < n; i++) {
			const char *structs, *members;

			golayout_field_spec(i, &structs, &members);
			if (name_in(sname, structs) && name_in(mname, members)) {
				*golayout_field(l, i) = (uint32_t)off;
				seen[i] = 1;
				found = 1;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return found;
}

/* -ldflags=-w leaves no .debug_info (compressed or not). */
static int has_debug_info(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") ||
			     !strcmp(name, ".zdebug_info")))
			return 1;
	}
	return 0;
}

static int wanted_struct(const char *name)
{
	size_t i, n = golayout_nfields();

	for (i = 0; i < n; i++) {
		const char *structs, *members;

		golayout_field_spec(i, &structs, &members);
		if (name_in(name, structs))
			return 1;
	}
	return 0;
}

/* An opened executable's DWARF: close with dwarf_close(). */
struct dwarf_file {
	int fd;
	Elf *elf;
	Dwarf *dbg;
};

/* 1 opened, 0 no DWARF (-w), -1 with err. */
static int dwarf_open(const char *path, struct dwarf_file *f, char *err,
		      size_t errlen)
{
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf) {
		snprintf(err, errlen, "%s: not an ELF file: %s", path,
			 elf_errmsg(-1));
		close(f->fd);
		return -1;
	}
	if (!has_debug_info(f->elf)) {
		elf_end(f->elf);
		close(f->fd);
		return 0;
	}
	f->dbg = dwarf_begin_elf(f->elf, DWARF_C_READ, NULL);
	if (!f->dbg) {
		snprintf(err, errlen, "%s: cannot read DWARF: %s", path,
			 dwarf_errmsg(-1));
		elf_end(f->elf);
		close(f->fd);
		return -1;
	}
	return 1;
}

static void dwarf_close(struct dwarf_file *f)
{
	dwarf_end(f->dbg);
	elf_end(f->elf);
	close(f->fd);
}

/* An ELF file's identity: its Go build ID (the note the Go linker
 * writes, which objcopy --only-keep-debug keeps), its GNU build ID, its
 * .gnu_debuglink name, and whether it has DWARF. */
struct elf_ids {
	char go[128];
	unsigned char gnu[64];
	size_t ngnu;
	char link[256];
	int dwarf;
};

static void go_buildid(Elf *elf, char *out, size_t len)
{
	Elf_Scn *scn = NULL;

	out[0] = 0;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, next, name, desc;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((next = gelf_getnote(d, off, &nh, &name, &desc)) > 0) {
			/* "Go\0\0" (the linker pads the name), type 4: the
			 * Go build ID */
			if ((nh.n_namesz == 3 || nh.n_namesz == 4) &&
			    nh.n_type == 4 &&
			    !memcmp((char *)d->d_buf + name, "Go", 3) &&
			    nh.n_descsz && nh.n_descsz < len) {
				memcpy(out, (char *)d->d_buf + desc,
				       nh.n_descsz);
				out[nh.n_descsz] = 0;
				return;
			}
			off = next;
		}
	}
}

/* 0, or -1 when path is not an ELF file. */
static int elf_ids(const char *path, struct elf_ids *id)
{
	const void *gnu;
	const char *link;
	GElf_Word crc;
	ssize_t n;
	int fd;
	Elf *elf;

	memset(id, 0, sizeof(*id));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		close(fd);
		return -1;
	}
	go_buildid(elf, id->go, sizeof(id->go));
	n = dwelf_elf_gnu_build_id(elf, &gnu);
	if (n > 0 && (size_t)n <= sizeof(id->gnu)) {
		memcpy(id->gnu, gnu, (size_t)n);
		id->ngnu = (size_t)n;
	}
	link = dwelf_elf_gnu_debuglink(elf, &crc);
	if (link && !strchr(link, '/') && strlen(link) < sizeof(id->link))
		snprintf(id->link, sizeof(id->link), "%s", link);
	id->dwarf = has_debug_info(elf);
	elf_end(elf);
	close(fd);
	return 0;
}

/* Is the file at path exe's debug file?  1 yes, 0 absent, -1 not its
 * (warned). */
static int debug_candidate(const char *path, const struct elf_ids *exe,
			   void (*warn)(void *arg, const char *msg), void *arg)
{
	struct elf_ids c;
	char msg[PATH_MAX + 512];

	if (access(path, F_OK))
		return 0;
	if (elf_ids(path, &c))
		snprintf(msg, sizeof(msg), "%s: not an ELF file", path);
	else if (!c.dwarf)
		snprintf(msg, sizeof(msg), "%s: has no DWARF", path);
	else if (exe->go[0] && c.go[0] && strcmp(c.go, exe->go))
		snprintf(msg, sizeof(msg),
			 "%s: Go build ID %s is not the executable's %s",
			 path, c.go, exe->go);
	else if (!(exe->go[0] && c.go[0]) &&
		 (!exe->ngnu || c.ngnu != exe->ngnu ||
		  memcmp(c.gnu, exe->gnu, c.ngnu)))
		snprintf(msg, sizeof(msg), exe->go[0] && !c.go[0] ?
			 "%s: has no Go build ID, and its GNU build ID is not the executable's" :
			 "%s: its GNU build ID is not the executable's", path);
	else
		return 1;
	if (warn) {
		size_t n = strlen(msg);

		snprintf(msg + n, sizeof(msg) - n,
			 ": not used as the executable's debug file");
		warn(arg, msg);
	}
	return -1;
}

/* Is DIR/.build-id/NN/REST.debug, for the build ID in hex, exe's debug
 * file?  1 yes, 0 absent, -1 not its (debug_candidate); its path in cand
 * either way. */
static int by_build_id(const char *dir, const char *hex,
		       const struct elf_ids *exe, char *cand, size_t len,
		       void (*warn)(void *arg, const char *msg), void *arg)
{
	int n = snprintf(cand, len, "%s/.build-id/%.2s/%s.debug", dir, hex,
			 hex + 2);

	if (n <= 0 || (size_t)n >= len)
		return 0;
	return debug_candidate(cand, exe, warn, arg);
}

/* The directory of path (resolved when it exists, else as written when
 * absolute) into out; 0, or -1 when there is none. */
static int dir_of(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	char *slash;

	if (!path || !path[0])
		return -1;
	if (!realpath(path, buf)) {
		if (path[0] != '/' || strlen(path) >= sizeof(buf))
			return -1;
		snprintf(buf, sizeof(buf), "%s", path);
	}
	slash = strrchr(buf, '/');
	if (!slash || (size_t)(slash - buf) >= len)
		return -1;
	*slash = 0;
	snprintf(out, len, "%s", buf);
	return 0;
}

/* Is exe's .gnu_debuglink file beside a file of directory edir, in its
 * .debug/, or under DIR followed by edir (gdb's order)? */
static int by_link(const char *dir, const char *edir, const struct elf_ids *id,
		   char *cand, size_t len,
		   void (*warn)(void *arg, const char *msg), void *arg)
{
	int i, n;

	for (i = 0; i < 3; i++) {
		n = snprintf(cand, len, "%s%s%s/%s", i == 2 ? dir : "", edir,
			     i == 1 ? "/.debug" : "", id->link);
		if (n > 0 && (size_t)n < len &&
		    debug_candidate(cand, id, warn, arg) == 1)
			return 1;
	}
	return 0;
}

int golayout_dwarf_file(const char *exe, const char *ran, const char *dir,
			char *out, size_t outlen, char *why, size_t whylen,
			void (*warn)(void *arg, const char *msg), void *arg)
{
	char cand[PATH_MAX], edir[PATH_MAX], rdir[PATH_MAX];
	char hex[2 * 64 + 1], also[PATH_MAX + 32];
	struct elf_ids id;
	size_t i;

	why[0] = 0;
	also[0] = 0;
	if (elf_ids(exe, &id))
		return -1;
	if (id.dwarf) {
		snprintf(out, outlen, "%s", exe);
		return 1;
	}
	if (!dir)
		dir = GOLAYOUT_DEBUG_DIR;
	for (i = 0; i < id.ngnu; i++)
		snprintf(hex + 2 * i, 3, "%02x", id.gnu[i]);
	if (id.ngnu >= 2 &&
	    by_build_id(dir, hex, &id, cand, sizeof(cand), warn, arg) == 1)
		goto found;
	/* its directory, resolved: where the package put it; then, for a
	 * copy (a store's saved executable), where the program ran from */
	if (id.link[0] && !dir_of(exe, edir, sizeof(edir)) &&
	    by_link(dir, edir, &id, cand, sizeof(cand), warn, arg))
		goto found;
	if (id.link[0] && !dir_of(ran, rdir, sizeof(rdir)) &&
	    (dir_of(exe, edir, sizeof(edir)) || strcmp(rdir, edir))) {
		if (by_link(dir, rdir, &id, cand, sizeof(cand), warn, arg))
			goto found;
		snprintf(also, sizeof(also), " or in %s (where it ran)",
			 rdir);
	}
	if (id.ngnu >= 2 && id.link[0])
		snprintf(why, whylen,
			 "%s has no DWARF, and its debug file is neither %s/.build-id/%.2s/%s.debug nor, as %s, beside it%s or under %s: install its package's -dbgsym, or give --debug-dir DIR",
			 exe, dir, hex, hex + 2, id.link, also, dir);
	else if (id.ngnu >= 2)
		snprintf(why, whylen,
			 "%s has no DWARF, and its debug file is not %s/.build-id/%.2s/%s.debug: install its package's -dbgsym, or give --debug-dir DIR",
			 exe, dir, hex, hex + 2);
	else if (id.link[0])
		snprintf(why, whylen,
			 "%s has no DWARF, and its debug file, %s, is neither beside it%s nor under %s: install its package's -dbgsym, or give --debug-dir DIR",
			 exe, id.link, also, dir);
	return 0;
found:
	if (strlen(cand) >= outlen)
		return 0;
	snprintf(out, outlen, "%s", cand);
	return 1;
}

int golayout_dwarf_by_id(const char *go_id, const char *gnu_hex,
			 const char *dir, char *out, size_t outlen, char *why,
			 size_t whylen,
			 void (*warn)(void *arg, const char *msg), void *arg)
{
	char cand[PATH_MAX];
	struct elf_ids id;
	size_t i, n = strlen(gnu_hex);
	unsigned int b;
	int r;

	why[0] = 0;
	if (n < 4 || n % 2 || n / 2 > sizeof(id.gnu) ||
	    strspn(gnu_hex, "0123456789abcdef") != n)
		return 0;
	memset(&id, 0, sizeof(id));
	snprintf(id.go, sizeof(id.go), "%s", go_id ? go_id : "");
	for (i = 0; i < n / 2; i++) {
		if (sscanf(gnu_hex + 2 * i, "%2x", &b) != 1)
			return 0;
		id.gnu[i] = (unsigned char)b;
	}
	id.ngnu = n / 2;
	if (!dir)
		dir = GOLAYOUT_DEBUG_DIR;
	r = by_build_id(dir, gnu_hex, &id, cand, sizeof(cand), warn, arg);
	if (r == 1 && strlen(cand) < outlen) {
		snprintf(out, outlen, "%s", cand);
		return 1;
	}
	snprintf(why, whylen,
		 "the core's executable (GNU build ID %s) has no %sdebug file at %s/.build-id/%.2s/%s.debug: install its package's -dbgsym, or give --debug-dir DIR, or the executable with --exe FILE",
		 gnu_hex, r < 0 ? "usable " : "", dir, gnu_hex, gnu_hex + 2);
	return 0;
}

int golayout_from_dwarf(const char *path, struct golayout *l, char *err,
			size_t errlen)
{
	size_t i, n = golayout_nfields(), hsize;
	Dwarf_Off off = 0, next;
	struct dwarf_file f;
	unsigned char *seen;
	Dwarf *dbg;
	int ret;

	for (i = 0; i < n; i++)
		*golayout_field(l, i) = GOLAYOUT_NONE;
	snprintf(l->source, sizeof(l->source), "DWARF");
	ret = dwarf_open(path, &f, err, errlen);
	if (ret <= 0)
		return ret;
	dbg = f.dbg;
	seen = calloc(n, 1);
	if (!seen) {
		dwarf_close(&f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, d;

		if (dwarf_offdie(dbg, off + hsize, &cu) &&
		    dwarf_child(&cu, &d) == 0) {
			do {
				const char *name;

				if (dwarf_tag(&d) != DW_TAG_structure_type ||
				    dwarf_hasattr(&d, DW_AT_declaration))
					continue;
				name = dwarf_diename(&d);
				if (name && wanted_struct(name))
					take_members(&d, name, l, seen);
			} while (dwarf_siblingof(&d, &d) == 0);
		}
		off = next;
	}
	if (!seen[0]) {
		/* DWARF but no runtime.g: not a Go binary's DWARF. */
		snprintf(err, errlen, "%s: DWARF has no runtime.g", path);
		ret = -1;
	}
	free(seen);
	dwarf_close(&f);
	return ret;
}

#define DW_AT_GO_KIND		0x2900	/* the type's reflect.Kind */
#define DW_AT_GO_RUNTIME_TYPE	0x2904	/* its descriptor, from types */
#define DW_AT_GO_ELEM		0x2902	/* a slice's element type */

enum { K_ARRAY = 17, K_POINTER = 22, K_SLICE = 23 };

/* die's type (a concrete variable's through its abstract origin),
 * through the typedefs that name no descriptor. */
static int type_of(Dwarf_Die *die, Dwarf_Die *t)
{
	Dwarf_Attribute a;
	int i;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, t))
		return -1;
	for (i = 0; i < 8 && dwarf_tag(t) == DW_TAG_typedef &&
	     !dwarf_hasattr(t, DW_AT_GO_RUNTIME_TYPE); i++)
		if (!dwarf_attr(t, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, t))
			return -1;
	return 0;
}

/* The type's descriptor, as an offset from moduledata.types; 0: none. */
static uint64_t runtime_type(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Addr v;

	if (!dwarf_attr(t, DW_AT_GO_RUNTIME_TYPE, &a) ||
	    dwarf_formaddr(&a, &v) != 0)
		return 0;
	return v;
}

static uint64_t die_udata(Dwarf_Die *d, unsigned int at)
{
	Dwarf_Attribute a;
	Dwarf_Word v;

	if (!dwarf_attr(d, at, &a) || dwarf_formudata(&a, &v) != 0)
		return 0;
	return v;
}

/* The elements of an array type: its subrange's count. */
static uint64_t array_len(Dwarf_Die *t)
{
	Dwarf_Die c;

	if (dwarf_child(t, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if (dwarf_hasattr(&c, DW_AT_count))
			return die_udata(&c, DW_AT_count);
		if (dwarf_hasattr(&c, DW_AT_upper_bound))
			return die_udata(&c, DW_AT_upper_bound) + 1;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

/*
 * How a global of type t is typed: its own descriptor, or (a type no
 * code needed a descriptor for) its elements', a slice's elements' or a
 * pointer's target's.  0 when none is named.
 */
static int resolve_global(Dwarf_Die *t, struct godwarf_global *g)
{
	Dwarf_Attribute a;
	Dwarf_Die e;

	g->count = 1;
	g->how = GODWARF_VALUE;
	g->rtoff = runtime_type(t);
	if (g->rtoff)
		return 1;
	switch (die_udata(t, DW_AT_GO_KIND)) {
	case K_ARRAY:
		g->count = array_len(t);
		if (!g->count || type_of(t, &e))
			return 0;
		break;
	case K_SLICE:
		if (!dwarf_attr(t, DW_AT_GO_ELEM, &a) ||
		    !dwarf_formref_die(&a, &e))
			return 0;
		g->how = GODWARF_SLICE;
		break;
	case K_POINTER:
		if (type_of(t, &e))
			return 0;
		g->how = GODWARF_POINTER;
		break;
	default:
		return 0;
	}
	g->rtoff = runtime_type(&e);
	g->type_name = dwarf_diename(&e);
	return g->rtoff != 0;
}

/*
 * The one place in the frame an expression names: 0 and *off (from the
 * CFA), or -1.  cfa_base: the function's frame base is the CFA.
 */
static int frame_place(const Dwarf_Op *op, size_t n, int cfa_base,
		       int64_t *off)
{
	if (n == 1 && op[0].atom == DW_OP_fbreg && cfa_base) {
		*off = (int64_t)op[0].number;
		return 0;
	}
	if (!n || op[0].atom != DW_OP_call_frame_cfa)
		return -1;
	if (n == 1) {
		*off = 0;
		return 0;
	}
	if (n == 2 && op[1].atom == DW_OP_plus_uconst &&
	    op[1].number < (1u << 30)) {
		*off = (int64_t)op[1].number;
		return 0;
	}
	if (n == 3 && op[1].atom == DW_OP_consts &&
	    op[2].atom == DW_OP_plus) {
		*off = (int64_t)op[1].number;
		return 0;
	}
	return -1;
}

struct locals_walk {
	const uint64_t *pcs;
	size_t i;		/* the pc asked about */
	int cfa_base;
	int (*fn)(void *arg, size_t i, const struct godwarf_global *local);
	void *arg;
	int n, r;
};

#define MAX_SCOPE_DEPTH	16

/* The variables of scope (a subprogram, a block, an inlined call) at
 * the pc, and of the scopes inside it that hold it. */
static void scope_locals(struct locals_walk *w, Dwarf_Die *scope, int depth)
{
	uint64_t pc = w->pcs[w->i];
	Dwarf_Die d, t;

	if (depth > MAX_SCOPE_DEPTH || dwarf_child(scope, &d) != 0)
		return;
	do {
		int tag = dwarf_tag(&d);
		struct godwarf_global g;
		Dwarf_Attribute a;
		Dwarf_Op *op;
		size_t len;
		int64_t off;

		if (tag == DW_TAG_lexical_block ||
		    tag == DW_TAG_inlined_subroutine) {
			if (dwarf_haspc(&d, pc) == 1)
				scope_locals(w, &d, depth + 1);
			continue;
		}
		if ((tag != DW_TAG_variable &&
		     tag != DW_TAG_formal_parameter) ||
		    !dwarf_attr(&d, DW_AT_location, &a) ||
		    dwarf_getlocation_addr(&a, pc, &op, &len, 1) != 1 ||
		    frame_place(op, len, w->cfa_base, &off) ||
		    type_of(&d, &t))
			continue;
		memset(&g, 0, sizeof(g));
		g.name = dwarf_diename(&d);
		g.type_name = dwarf_diename(&t);
		g.addr = (uint64_t)off;
		if (!resolve_global(&t, &g))
			continue;
		w->n++;
		w->r = w->fn(w->arg, w->i, &g);
	} while (!w->r && dwarf_siblingof(&d, &d) == 0);
}

/* Is the subprogram's frame base the CFA? */
static int cfa_frame_base(Dwarf_Die *sub)
{
	Dwarf_Attribute a;
	Dwarf_Block b;

	return dwarf_attr(sub, DW_AT_frame_base, &a) &&
	       dwarf_formblock(&a, &b) == 0 && b.length == 1 &&
	       b.data[0] == DW_OP_call_frame_cfa;
}

/* A global variable (a unit's top-level DW_TAG_variable) to fn. */
static int global_var(Dwarf_Die *d,
		      int (*fn)(void *arg, const struct godwarf_global *g),
		      void *arg, int *n)
{
	struct godwarf_global g;
	Dwarf_Attribute a;
	Dwarf_Block b;
	Dwarf_Die t;

	/* Go writes the location as a block (form block1, which libdw's
	 * dwarf_getlocation refuses in a version 4 unit): DW_OP_addr and
	 * the address, nothing else */
	if (!dwarf_attr(d, DW_AT_location, &a) ||
	    dwarf_formblock(&a, &b) != 0 || b.length != 9 ||
	    b.data[0] != DW_OP_addr || type_of(d, &t))
		return 0;
	g.name = dwarf_diename(d);
	g.type_name = dwarf_diename(&t);
	/* resolve_global names the type it took */
	memcpy(&g.addr, b.data + 1, 8);
	if (!g.name || !resolve_global(&t, &g))
		return 0;
	(*n)++;
	return fn(arg, &g);
}

/* The locals of a subprogram at each of the pcs it holds. */
static int sub_locals(struct locals_walk *w, Dwarf_Die *d, size_t n)
{
	Dwarf_Addr lo, hi;
	size_t a = 0, b = n;

	if (dwarf_lowpc(d, &lo) != 0 || dwarf_highpc(d, &hi) != 0 || hi <= lo)
		return 0;
	/* the first pc at or above lo */
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (w->pcs[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	w->cfa_base = cfa_frame_base(d);
	for (w->i = a; !w->r && w->i < n && w->pcs[w->i] < hi; w->i++)
		scope_locals(w, d, 0);
	return w->r;
}

int golayout_dwarf_roots(const char *path,
			 int (*gfn)(void *arg, const struct godwarf_global *g),
			 const uint64_t *pcs, size_t n,
			 int (*lfn)(void *arg, size_t i,
				    const struct godwarf_global *local),
			 void *arg, char *err, size_t errlen)
{
	struct locals_walk w = { pcs, 0, 0, lfn, arg, 0, 0 };
	size_t hsize;
	Dwarf_Off off = 0, next;
	struct dwarf_file f;
	int ng = 0, r;

	r = dwarf_open(path, &f, err, errlen);
	if (r <= 0)
		return r;
	r = 0;
	while (!r && dwarf_nextcu(f.dbg, off, &next, &hsize, NULL, NULL,
				  NULL) == 0) {
		Dwarf_Die cu, d;

		if (dwarf_offdie(f.dbg, off + hsize, &cu) &&
		    dwarf_child(&cu, &d) == 0) {
			do {
				int tag = dwarf_tag(&d);

				if (tag == DW_TAG_variable && gfn)
					r = global_var(&d, gfn, arg, &ng);
				else if (tag == DW_TAG_subprogram && lfn && n)
					r = sub_locals(&w, &d, n);
			} while (!r && dwarf_siblingof(&d, &d) == 0);
		}
		off = next;
	}
	dwarf_close(&f);
	return r ? r : ng + w.n;
}

int golayout_elf_objects(const char *path,
			 int (*fn)(void *arg, const char *name, uint64_t addr,
				   uint64_t size),
			 void *arg)
{
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, n = 0, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -1;
	}
	while (!r && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, cnt;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		cnt = sh.sh_size / sh.sh_entsize;
		for (i = 0; !r && i < cnt; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
			    !sym.st_size)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			n++;
			r = fn(arg, name, sym.st_value, sym.st_size);
		}
	}
	elf_end(elf);
	close(fd);
	return r ? r : n;
}
