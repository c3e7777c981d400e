// SPDX-License-Identifier: GPL-2.0
/*
 * gcdnote.c - decoder of gocoredump's scheduler-metadata notes.
 *
 * The format (include/uapi/gocoredump.h) is little-endian with a stated
 * record size: fields are read by their offset in the struct as written by
 * the version this decoder knows, and only when the record is long enough to
 * hold them.  A shorter record from an older writer leaves the missing
 * fields zero; a longer one from a newer writer has its tail skipped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/elfcore.h"
#include "core/gcdnote.h"

/* A note descriptor is at most this big (1024 threads is ~330 KiB). */
#define GCD_MAX_DESC		(64u << 20)
#define GCD_MAX_THREADS		(1u << 20)

static void problem(struct gcd_note *n, const char *fmt, ...)
{
	va_list ap;

	if (n->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(n->problem, sizeof(n->problem), fmt, ap);
	va_end(ap);
}

struct rec {
	const uint8_t *p;
	size_t len;		/* bytes actually present for this record */
};

/* Field readers: 0 when the record does not reach the field. */
static uint64_t get(const struct rec *r, size_t off, size_t width)
{
	uint64_t v = 0;
	size_t i;

	if (off > r->len || width > r->len - off)
		return 0;
	for (i = 0; i < width; i++)
		v |= (uint64_t)r->p[off + i] << (8 * i);
	return v;
}

#define GET(r, type, field) \
	get(r, offsetof(type, field), sizeof(((type *)0)->field))

/* Copy a fixed string field, NUL-terminated and printable. */
static void get_str(const struct rec *r, size_t off, size_t width, char *dst,
		    size_t dst_len)
{
	size_t i, k = 0;

	for (i = 0; i < width && off + i < r->len && k + 1 < dst_len; i++) {
		uint8_t c = r->p[off + i];

		if (!c)
			break;
		dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[k] = '\0';
}

#define GET_STR(r, type, field, dst) \
	get_str(r, offsetof(type, field), sizeof(((type *)0)->field), dst, \
		sizeof(dst))

static int decode_process(struct gcd_note *n, const uint8_t *d, size_t len)
{
	struct gcd_process *p = &n->proc;
	struct rec r = { d, len };
	unsigned int i;

	if (len < 4) {
		problem(n, "process note: %zu bytes is too short", len);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->version = (unsigned int)get(&r, 0, 2);
	p->record_size = (unsigned int)get(&r, 2, 2);
	if (p->version < 1) {
		problem(n, "process note: version 0 is invalid");
		return -1;
	}
	if (p->record_size > len) {
		problem(n, "process note: record size %u > descriptor size %zu",
			p->record_size, len);
		return -1;
	}
	r.len = p->record_size;
	p->flags = (uint32_t)GET(&r, struct gcd_note_process, flags);
	p->seq = GET(&r, struct gcd_note_process, seq);
	p->realtime_ns = GET(&r, struct gcd_note_process, realtime_ns);
	p->boottime_ns = GET(&r, struct gcd_note_process, boottime_ns);
	p->signo = (int32_t)GET(&r, struct gcd_note_process, signo);
	p->si_code = (int32_t)GET(&r, struct gcd_note_process, si_code);
	p->pid = (uint32_t)GET(&r, struct gcd_note_process, pid);
	p->tgid = (uint32_t)GET(&r, struct gcd_note_process, tgid);
	p->ns_pid = (uint32_t)GET(&r, struct gcd_note_process, ns_pid);
	p->ns_tgid = (uint32_t)GET(&r, struct gcd_note_process, ns_tgid);
	p->coredump_filter =
		(uint32_t)GET(&r, struct gcd_note_process, coredump_filter);
	p->effective_filter =
		(uint32_t)GET(&r, struct gcd_note_process, effective_filter);
	p->nr_threads = (uint32_t)GET(&r, struct gcd_note_process, nr_threads);
	p->forced_vmas =
		(uint32_t)GET(&r, struct gcd_note_process, forced_vmas);
	p->forced_bytes = GET(&r, struct gcd_note_process, forced_bytes);
	p->load_bias = GET(&r, struct gcd_note_process, load_bias);
	p->roots_present =
		(uint32_t)GET(&r, struct gcd_note_process, roots_present);
	for (i = 0; i < GCD_ROOT_COUNT; i++)
		p->roots[i] = get(&r, offsetof(struct gcd_note_process, roots) +
				  8 * i, 8);
	p->roots_present &= (1u << GCD_ROOT_COUNT) - 1;
	GET_STR(&r, struct gcd_note_process, release, p->release);
	GET_STR(&r, struct gcd_note_process, go_version, p->go_version);
	GET_STR(&r, struct gcd_note_process, go_module, p->go_module);
	GET_STR(&r, struct gcd_note_process, vcs_revision, p->vcs_revision);
	n->have_process = 1;
	return 0;
}

/* Like decode_process() in shape only: each reads its own record's
 * fields, one line per field. */
static void decode_thread(struct gcd_thread *t, const struct rec *r)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->tid = (uint32_t)GET(r, struct gcd_note_thread, tid);
	t->ns_tid = (uint32_t)GET(r, struct gcd_note_thread, ns_tid);
	t->flags = (uint32_t)GET(r, struct gcd_note_thread, flags);
	t->policy = (uint32_t)GET(r, struct gcd_note_thread, policy);
	t->prio = (uint32_t)GET(r, struct gcd_note_thread, prio);
	t->static_prio = (uint32_t)GET(r, struct gcd_note_thread, static_prio);
	t->normal_prio = (uint32_t)GET(r, struct gcd_note_thread, normal_prio);
	t->rt_priority = (uint32_t)GET(r, struct gcd_note_thread, rt_priority);
	t->nice = (int32_t)GET(r, struct gcd_note_thread, nice);
	t->last_cpu = (uint32_t)GET(r, struct gcd_note_thread, last_cpu);
	t->nr_cpus_allowed =
		(uint32_t)GET(r, struct gcd_note_thread, nr_cpus_allowed);
	GET_STR(r, struct gcd_note_thread, comm, t->comm);
	for (i = 0; i < GCD_CPUMASK_WORDS; i++)
		t->cpus_allowed[i] = (uint32_t)get(r,
			offsetof(struct gcd_note_thread, cpus_allowed) + 8 * i, 4);
	t->utime_ns = GET(r, struct gcd_note_thread, utime_ns);
	t->stime_ns = GET(r, struct gcd_note_thread, stime_ns);
	t->sum_exec_runtime_ns =
		GET(r, struct gcd_note_thread, sum_exec_runtime_ns);
	t->nvcsw = GET(r, struct gcd_note_thread, nvcsw);
	t->nivcsw = GET(r, struct gcd_note_thread, nivcsw);
	t->nr_migrations = GET(r, struct gcd_note_thread, nr_migrations);
	t->run_delay_ns = GET(r, struct gcd_note_thread, run_delay_ns);
	t->pcount = GET(r, struct gcd_note_thread, pcount);
	t->wait_sum_ns = GET(r, struct gcd_note_thread, wait_sum_ns);
	t->sleep_sum_ns = GET(r, struct gcd_note_thread, sleep_sum_ns);
	t->block_sum_ns = GET(r, struct gcd_note_thread, block_sum_ns);
	t->iowait_sum_ns = GET(r, struct gcd_note_thread, iowait_sum_ns);
	t->iowait_count = GET(r, struct gcd_note_thread, iowait_count);
	t->start_time_ns = GET(r, struct gcd_note_thread, start_time_ns);
	t->start_boottime_ns =
		GET(r, struct gcd_note_thread, start_boottime_ns);
	t->min_flt = GET(r, struct gcd_note_thread, min_flt);
	t->maj_flt = GET(r, struct gcd_note_thread, maj_flt);
}

static int decode_threads(struct gcd_note *n, const uint8_t *d, size_t len)
{
	struct rec h = { d, len };
	unsigned int version, hsize, rsize;
	uint32_t count, i;
	struct gcd_thread *t;

	if (len < 12) {
		problem(n, "threads note: %zu bytes is too short", len);
		return -1;
	}
	version = (unsigned int)get(&h, 0, 2);
	hsize = (unsigned int)get(&h, 2, 2);
	rsize = (unsigned int)get(&h, 4, 2);
	count = (uint32_t)get(&h, 8, 4);
	if (version < 1 || hsize < 12 || hsize > len || rsize < 8) {
		problem(n, "threads note: bad header (version %u, header %u, record %u)",
			version, hsize, rsize);
		return -1;
	}
	if (count > GCD_MAX_THREADS || count > (len - hsize) / rsize) {
		problem(n, "threads note: %u records of %u bytes do not fit in %zu bytes",
			count, rsize, len - hsize);
		return -1;
	}
	t = calloc(count ? count : 1, sizeof(*t));
	if (!t) {
		problem(n, "out of memory for %u thread records", count);
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct rec r = { d + hsize + (size_t)i * rsize, rsize };

		decode_thread(&t[i], &r);
	}
	free(n->threads);
	n->threads = t;
	n->nthreads = count;
	n->have_threads = 1;
	return 0;
}

int gcdnote_decode_desc(struct gcd_note *out, uint32_t type,
			const void *desc, size_t len)
{
	if (len > GCD_MAX_DESC) {
		problem(out, "note type %#x: %zu bytes is over the limit",
			type, len);
		return -1;
	}
	switch (type) {
	case GCD_NT_PROCESS:
		return decode_process(out, desc, len);
	case GCD_NT_THREADS:
		return decode_threads(out, desc, len);
	default:
		return 0;	/* a newer note type: skip it */
	}
}

int gcdnote_from_core(const struct elfcore *c, struct gcd_note *out)
{
	const struct elfcore_note *p, *t;
	int bad = 0;

	p = elfcore_note(c, GCD_NOTE_NAME, GCD_NT_PROCESS, 0);
	t = elfcore_note(c, GCD_NOTE_NAME, GCD_NT_THREADS, 0);
	if (!p && !t)
		return 0;
	if (p && gcdnote_decode_desc(out, GCD_NT_PROCESS, p->desc, p->descsz))
		bad = 1;
	if (t && gcdnote_decode_desc(out, GCD_NT_THREADS, t->desc, t->descsz))
		bad = 1;
	if (!bad && out->have_process && out->have_threads &&
	    out->proc.nr_threads != out->nthreads) {
		problem(out, "process note says %u threads, threads note has %zu",
			out->proc.nr_threads, out->nthreads);
		bad = 1;
	}
	return bad ? -1 : 1;
}

void gcdnote_free(struct gcd_note *n)
{
	free(n->threads);
	n->threads = NULL;
	n->nthreads = 0;
}

/* CPU list in the style of /proc/PID/status Cpus_allowed_list: "0-3,6". */
void gcdnote_cpu_list(const uint32_t *mask, char *buf, size_t len)
{
	size_t used = 0;
	int cpu, start = -1;

	buf[0] = '\0';
	for (cpu = 0; cpu <= GCD_CPUMASK_WORDS * 32; cpu++) {
		int set = cpu < GCD_CPUMASK_WORDS * 32 &&
			  (mask[cpu / 32] >> (cpu % 32) & 1);

		if (set && start < 0)
			start = cpu;
		if (!set && start >= 0) {
			int w;

			if (start == cpu - 1)
				w = snprintf(buf + used, len - used, "%s%d",
					     used ? "," : "", start);
			else
				w = snprintf(buf + used, len - used, "%s%d-%d",
					     used ? "," : "", start, cpu - 1);
			if (w < 0 || (size_t)w >= len - used)
				return;
			used += (size_t)w;
			start = -1;
		}
	}
}

const char *gcdnote_policy_name(uint32_t policy)
{
	static const char *const names[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", "SCHED_EXT",
	};

	return policy < sizeof(names) / sizeof(names[0]) ? names[policy] :
							    "unknown";
}
