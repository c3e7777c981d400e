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
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fcntl.h>
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

int golayout_from_dwarf(const char *path, struct golayout *l, char *err,
			size_t errlen)
{
	size_t i, n = golayout_nfields(), hsize;
	Dwarf_Off off = 0, next;
	unsigned char *seen;
	Dwarf *dbg;
	Elf *elf;
	int fd, ret = 1;

	for (i = 0; i < n; i++)
		*golayout_field(l, i) = GOLAYOUT_NONE;
	snprintf(l->source, sizeof(l->source), "DWARF");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		snprintf(err, errlen, "%s: not an ELF file: %s", path,
			 elf_errmsg(-1));
		close(fd);
		return -1;
	}
	if (!has_debug_info(elf)) {
		elf_end(elf);
		close(fd);
		return 0;
	}
	dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dbg) {
		snprintf(err, errlen, "%s: cannot read DWARF: %s", path,
			 dwarf_errmsg(-1));
		elf_end(elf);
		close(fd);
		return -1;
	}
	seen = calloc(n, 1);
	if (!seen) {
		dwarf_end(dbg);
		elf_end(elf);
		close(fd);
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
	dwarf_end(dbg);
	elf_end(elf);
	close(fd);
	return ret;
}
