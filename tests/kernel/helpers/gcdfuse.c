// SPDX-License-Identifier: GPL-2.0
/*
 * gcdfuse - a tiny read-only FUSE file system for the kernel tests, spoken
 * to /dev/fuse directly (no libfuse in the guest):
 *
 *   gcdfuse [-e NAME] [-l LOG] MNT NAME=PATH...
 *
 * Mounts on MNT a flat directory of the files given, read into memory at
 * start (mode 0755, times fixed at the daemon's start: a file's identity
 * never changes while it runs, and differs from the last run's, whose
 * device number a new mount may reuse).  Prints
 * "ready pid=N" once mounted, then serves until unmounted or killed.
 *
 *  -e NAME  the first READ of NAME that touches its ELF symbol table
 *           (.symtab, not loaded by exec) fails with EIO, once: a
 *           transient error exactly where only a classifier reads;
 *  -l LOG   append one line per READ and per injected error to LOG.
 *
 * Attributes are valid for 0 s, so that any getattr that syncs goes to the
 * daemon: stopped with SIGSTOP, every request to it hangs, which is the
 * point of the hanging-file-system test.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES	8
#define BUF_SIZE	(1 << 20)

struct file {
	char name[64];
	uint8_t *data;
	uint64_t size;
	uint64_t symoff, symend;	/* ELF .symtab, if any */
	int eio_once;		/* -e: still to inject */
};

static struct file files[MAX_FILES];
static int nfiles;
static uint64_t start_time;
static FILE *logf;

static int load(struct file *f, const char *spec)
{
	const char *eq = strchr(spec, '=');
	struct stat st;
	int fd;

	if (!eq || eq - spec >= (int)sizeof(f->name))
		return -1;
	memcpy(f->name, spec, eq - spec);
	f->name[eq - spec] = 0;
	fd = open(eq + 1, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -1;
	f->size = st.st_size;
	f->data = malloc(f->size ? f->size : 1);
	if (!f->data || read(fd, f->data, f->size) != (ssize_t)f->size)
		return -1;
	close(fd);
	/* An ELF64 file's SHT_SYMTAB section (sh_offset, sh_size). */
	if (f->size >= 64 && !memcmp(f->data, "\177ELF", 4) &&
	    f->data[4] == 2) {
		uint64_t shoff, i;
		uint16_t shnum, shentsize;

		memcpy(&shoff, f->data + 40, 8);
		memcpy(&shentsize, f->data + 58, 2);
		memcpy(&shnum, f->data + 60, 2);
		for (i = 0; i < shnum && shentsize >= 64 &&
		     shoff + (i + 1) * shentsize <= f->size; i++) {
			const uint8_t *sh = f->data + shoff + i * shentsize;
			uint32_t type;

			memcpy(&type, sh + 4, 4);
			if (type != 2)	/* SHT_SYMTAB */
				continue;
			memcpy(&f->symoff, sh + 24, 8);
			memcpy(&f->symend, sh + 32, 8);
			f->symend += f->symoff;
		}
	}
	return 0;
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mtime = a->ctime = a->atime = start_time;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0755;
		a->size = files[ino - 2].size;
		a->blocks = (a->size + 511) / 512;
	}
}

static int reply(int fd, uint64_t unique, int error, const void *arg,
		 size_t len)
{
	static uint8_t out[sizeof(struct fuse_out_header) + BUF_SIZE];
	struct fuse_out_header *h = (void *)out;

	if (len > BUF_SIZE)
		len = BUF_SIZE;
	h->len = sizeof(*h) + (error ? 0 : len);
	h->error = error;
	h->unique = unique;
	if (!error && len)
		memcpy(out + sizeof(*h), arg, len);
	return write(fd, out, h->len) == (ssize_t)h->len ? 0 : -1;
}

static void serve(int fd)
{
	static uint8_t in[BUF_SIZE + 4096];

	for (;;) {
		ssize_t n = read(fd, in, sizeof(in));
		struct fuse_in_header *h = (void *)in;
		void *arg = in + sizeof(*h);

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*h))
			return;	/* unmounted (ENODEV) */
		switch (h->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *ii = arg;
			struct fuse_init_out o;

			memset(&o, 0, sizeof(o));
			o.major = FUSE_KERNEL_VERSION;
			o.minor = 31;
			o.max_readahead = ii->max_readahead;
			o.max_write = 4096;
			o.max_background = 16;
			o.congestion_threshold = 12;
			reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o;
			int i;

			for (i = 0; i < nfiles; i++)
				if (!strcmp(files[i].name, arg))
					break;
			if (h->nodeid != FUSE_ROOT_ID || i == nfiles) {
				reply(fd, h->unique, -ENOENT, NULL, 0);
				break;
			}
			memset(&o, 0, sizeof(o));
			o.nodeid = i + 2;
			o.entry_valid = 3600;
			fill_attr(&o.attr, o.nodeid);
			reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o;

			memset(&o, 0, sizeof(o));
			fill_attr(&o.attr, h->nodeid);
			reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o;

			memset(&o, 0, sizeof(o));
			o.open_flags = FOPEN_KEEP_CACHE;
			reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			const struct fuse_read_in *r = arg;
			struct file *f;
			uint64_t len;

			if (h->nodeid < 2 || h->nodeid >= 2 + (uint64_t)nfiles) {
				reply(fd, h->unique, -EIO, NULL, 0);
				break;
			}
			f = &files[h->nodeid - 2];
			len = r->offset >= f->size ? 0 : f->size - r->offset;
			if (len > r->size)
				len = r->size;
			if (f->eio_once && f->symend > f->symoff &&
			    r->offset < f->symend &&
			    r->offset + r->size > f->symoff) {
				f->eio_once = 0;
				if (logf)
					fprintf(logf, "eio %s %llu+%u\n", f->name,
						(unsigned long long)r->offset,
						r->size);
				reply(fd, h->unique, -EIO, NULL, 0);
				break;
			}
			if (logf)
				fprintf(logf, "read %s %llu+%u\n", f->name,
					(unsigned long long)r->offset, r->size);
			reply(fd, h->unique, 0, f->data + r->offset, len);
			break;
		}
		case FUSE_STATFS: {
			struct fuse_statfs_out o;

			memset(&o, 0, sizeof(o));
			o.st.bsize = o.st.frsize = 4096;
			o.st.namelen = 255;
			reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			reply(fd, h->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;	/* no reply */
		case FUSE_DESTROY:
			reply(fd, h->unique, 0, NULL, 0);
			return;
		default:
			reply(fd, h->unique, -ENOSYS, NULL, 0);
			break;
		}
		if (logf)
			fflush(logf);
	}
}

int main(int argc, char **argv)
{
	const char *eio = NULL, *mnt;
	char opts[128];
	int fd, i, c;

	while ((c = getopt(argc, argv, "e:l:")) != -1) {
		if (c == 'e')
			eio = optarg;
		else if (c == 'l')
			logf = fopen(optarg, "a");
		else
			return 2;
	}
	if (optind + 2 > argc) {
		fprintf(stderr, "usage: gcdfuse [-e NAME] [-l LOG] MNT NAME=PATH...\n");
		return 2;
	}
	mnt = argv[optind++];
	start_time = time(NULL);
	for (i = optind; i < argc && nfiles < MAX_FILES; i++) {
		if (load(&files[nfiles], argv[i])) {
			fprintf(stderr, "gcdfuse: cannot load %s\n", argv[i]);
			return 1;
		}
		files[nfiles].eio_once = eio && !strcmp(eio,
							files[nfiles].name);
		nfiles++;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("gcdfuse: /dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("gcdfuse", mnt, "fuse.gcdfuse", MS_NOSUID | MS_NODEV,
		  opts)) {
		perror("gcdfuse: mount");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready pid=%d\n", getpid());
	serve(fd);
	return 0;
}
