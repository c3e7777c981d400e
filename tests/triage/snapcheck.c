// SPDX-License-Identifier: GPL-2.0
/*
 * snapcheck CORE ADDR PAGES: is the mutator's buffer (tests/triage/go/
 * mutator) in CORE a picture of one moment?  The first words of its PAGES
 * pages from ADDR must read g+1 up to some page and g from there on (or
 * all the same): never an older generation, never a jump.  Prints the
 * generations seen; exit status 0 only when consistent.  C, not Python,
 * so that it runs in the lab's busybox guests too (tests/triage/
 * guest-suite-snapshot.sh), where the kernel keeps soft-dirty bits and
 * gocap's pre-copy is in use.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t *core;
static size_t core_size;
static const Elf64_Phdr *ph;
static unsigned int phnum;

static int word(uint64_t a, uint64_t *v)
{
	for (unsigned int i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && a >= ph[i].p_vaddr &&
		    a + 8 <= ph[i].p_vaddr + ph[i].p_filesz &&
		    ph[i].p_offset + (a - ph[i].p_vaddr) + 8 <= core_size) {
			memcpy(v, core + ph[i].p_offset + (a - ph[i].p_vaddr), 8);
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	const Elf64_Ehdr *eh;
	uint64_t addr, hi, lo, g;
	unsigned long pages, k, boundary;
	struct stat sb;
	int fd, ok = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: snapcheck CORE ADDR PAGES\n");
		return 2;
	}
	addr = strtoull(argv[2], NULL, 16);
	pages = strtoul(argv[3], NULL, 10);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) || (size_t)sb.st_size < sizeof(*eh)) {
		perror(argv[1]);
		return 2;
	}
	core_size = (size_t)sb.st_size;
	core = mmap(NULL, core_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (core == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	eh = (const Elf64_Ehdr *)core;
	phnum = eh->e_phnum;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_phoff + (uint64_t)phnum * sizeof(*ph) > core_size) {
		fprintf(stderr, "%s: not a core snapcheck reads\n", argv[1]);
		return 2;
	}
	ph = (const Elf64_Phdr *)(core + eh->e_phoff);
	if (word(addr, &hi) || word(addr + (pages - 1) * 4096, &lo)) {
		fprintf(stderr, "the buffer is not in the core\n");
		return 1;
	}
	boundary = pages;
	for (k = 0; k < pages; k++) {
		if (word(addr + k * 4096, &g)) {
			fprintf(stderr, "page %lu is not in the core\n", k);
			return 1;
		}
		if (g != hi && boundary == pages)
			boundary = k;
		if ((k < boundary && g != hi) || (k >= boundary && g != lo) ||
		    g + 1 < hi) {
			if (ok)
				printf("page %lu at generation %llu\n", k,
				       (unsigned long long)g);
			ok = 0;
		}
	}
	ok = ok && hi - lo <= 1 && hi >= 2;
	printf("generations %llu..%llu, boundary at page %lu of %lu: %s\n",
	       (unsigned long long)lo, (unsigned long long)hi, boundary, pages,
	       ok ? "one moment" : "NOT one moment");
	return ok ? 0 : 1;
}
