// SPDX-License-Identifier: GPL-2.0
/*
 * gcdnote_json.c - a decoded gocoredump note as JSON (jansson), the one
 * form both gocap (note --json) and gocapd (the annotation) write.  Keys
 * are the field names of include/uapi/gocoredump.h; times stay
 * nanoseconds; roots a known address or null.  Separate from gcdnote.c so
 * that the decoder builds without jansson (the guest tests link it
 * static).
 */
#include <string.h>

#include "core/gcdnote.h"
#include "core/json.h"
#include "gocoredump/goelf.h"

static json_t *process_json(const struct gcd_process *p, int *bad)
{
	json_t *o = json_object(), *roots = json_object();
	unsigned int k;

	if (!o || !roots) {
		json_decref(o);
		json_decref(roots);
		*bad = 1;
		return NULL;
	}
	js_put(o, "version", json_integer(p->version), bad);
	js_put(o, "record_size", json_integer(p->record_size), bad);
	js_put(o, "flags", json_integer(p->flags), bad);
	js_put(o, "traceback_upgraded",
	       json_boolean(p->flags & GCD_PROC_F_TB_UPGRADED), bad);
	js_put(o, "snapshot", json_boolean(p->flags & GCD_PROC_F_SNAPSHOT),
	       bad);
	js_put(o, "seq", json_integer((json_int_t)p->seq), bad);
	js_put(o, "realtime_ns", json_integer((json_int_t)p->realtime_ns), bad);
	js_put(o, "boottime_ns", json_integer((json_int_t)p->boottime_ns), bad);
	js_put(o, "signo", json_integer(p->signo), bad);
	js_put(o, "si_code", json_integer(p->si_code), bad);
	js_put(o, "pid", json_integer(p->pid), bad);
	js_put(o, "tgid", json_integer(p->tgid), bad);
	js_put(o, "ns_pid", json_integer(p->ns_pid), bad);
	js_put(o, "ns_tgid", json_integer(p->ns_tgid), bad);
	js_put(o, "coredump_filter", json_integer(p->coredump_filter), bad);
	js_put(o, "effective_filter", json_integer(p->effective_filter), bad);
	js_put(o, "nr_threads", json_integer(p->nr_threads), bad);
	js_put(o, "forced_vmas", json_integer(p->forced_vmas), bad);
	js_put(o, "forced_bytes", json_integer((json_int_t)p->forced_bytes), bad);
	js_put(o, "load_bias", json_integer((json_int_t)p->load_bias), bad);
	js_put(o, "release", js_text(p->release), bad);
	js_put(o, "go_version", js_text(p->go_version), bad);
	js_put(o, "go_module", js_text(p->go_module), bad);
	js_put(o, "vcs_revision", js_text(p->vcs_revision), bad);
	for (k = 0; k < GCD_ROOT_COUNT; k++)
		/* "allgs" for runtime.allgs */
		js_put(roots, goelf_root_name(k) + strlen("runtime."),
		    (p->roots_present & (1u << k)) ?
		    json_integer((json_int_t)p->roots[k]) : json_null(), bad);
	js_put(o, "roots", roots, bad);
	return o;
}

/* Like process_json() in shape only: one line per field of its record. */
static json_t *thread_json(const struct gcd_thread *t, int *bad)
{
	char cpus[GCD_CPUMASK_WORDS * 32 * 4];
	json_t *o = json_object();

	if (!o) {
		*bad = 1;
		return NULL;
	}
	gcdnote_cpu_list(t->cpus_allowed, cpus, sizeof(cpus));
	js_put(o, "tid", json_integer(t->tid), bad);
	js_put(o, "ns_tid", json_integer(t->ns_tid), bad);
	js_put(o, "comm", js_text(t->comm), bad);
	js_put(o, "flags", json_integer(t->flags), bad);
	js_put(o, "signalled", json_boolean(t->flags & GCD_THR_F_SIGNALLED), bad);
	js_put(o, "policy", json_integer(t->policy), bad);
	js_put(o, "prio", json_integer(t->prio), bad);
	js_put(o, "static_prio", json_integer(t->static_prio), bad);
	js_put(o, "normal_prio", json_integer(t->normal_prio), bad);
	js_put(o, "rt_priority", json_integer(t->rt_priority), bad);
	js_put(o, "nice", json_integer(t->nice), bad);
	js_put(o, "last_cpu", json_integer(t->last_cpu), bad);
	js_put(o, "nr_cpus_allowed", json_integer(t->nr_cpus_allowed), bad);
	js_put(o, "cpus_allowed", js_text(cpus), bad);
	js_put(o, "utime_ns", json_integer((json_int_t)t->utime_ns), bad);
	js_put(o, "stime_ns", json_integer((json_int_t)t->stime_ns), bad);
	js_put(o, "sum_exec_runtime_ns",
	    json_integer((json_int_t)t->sum_exec_runtime_ns), bad);
	js_put(o, "nvcsw", json_integer((json_int_t)t->nvcsw), bad);
	js_put(o, "nivcsw", json_integer((json_int_t)t->nivcsw), bad);
	js_put(o, "nr_migrations", json_integer((json_int_t)t->nr_migrations),
	    bad);
	js_put(o, "run_delay_ns", json_integer((json_int_t)t->run_delay_ns), bad);
	js_put(o, "pcount", json_integer((json_int_t)t->pcount), bad);
	if (t->flags & GCD_THR_F_SCHEDSTATS) {
		js_put(o, "wait_sum_ns", json_integer((json_int_t)t->wait_sum_ns),
		    bad);
		js_put(o, "sleep_sum_ns",
		    json_integer((json_int_t)t->sleep_sum_ns), bad);
		js_put(o, "block_sum_ns",
		    json_integer((json_int_t)t->block_sum_ns), bad);
		js_put(o, "iowait_sum_ns",
		    json_integer((json_int_t)t->iowait_sum_ns), bad);
		js_put(o, "iowait_count",
		    json_integer((json_int_t)t->iowait_count), bad);
	}
	js_put(o, "start_time_ns", json_integer((json_int_t)t->start_time_ns),
	    bad);
	js_put(o, "start_boottime_ns",
	    json_integer((json_int_t)t->start_boottime_ns), bad);
	js_put(o, "min_flt", json_integer((json_int_t)t->min_flt), bad);
	js_put(o, "maj_flt", json_integer((json_int_t)t->maj_flt), bad);
	return o;
}

json_t *gcdnote_to_json(const struct gcd_note *n)
{
	json_t *o = json_object(), *threads;
	int bad = !o;
	size_t i;

	if (bad)
		return NULL;
	if (n->have_process)
		js_put(o, "process", process_json(&n->proc, &bad), &bad);
	if (n->have_threads) {
		threads = json_array();
		for (i = 0; threads && i < n->nthreads; i++)
			if (json_array_append_new(threads,
						  thread_json(&n->threads[i],
							      &bad)))
				bad = 1;
		js_put(o, "threads", threads, &bad);
	}
	if (n->problem[0])
		js_put(o, "problem", js_text(n->problem), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
