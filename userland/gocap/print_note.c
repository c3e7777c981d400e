// SPDX-License-Identifier: GPL-2.0
/*
 * print_note.c - gocap note's table: the decoded gocoredump note, process
 * facts then one line per thread.  (Its JSON form is the note layer's,
 * core/gcdnote_json.c, shared with gocapd's annotation.)
 */
#include <inttypes.h>
#include <string.h>

#include "core/gcdnote.h"
#include "gocap/print.h"
#include "gocoredump/goelf.h"

static void print_ns(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, ns / 1000000000u,
		ns % 1000000000u / 1000u);
}

void print_note_table(FILE *f, const struct gcd_note *n)
{
	const struct gcd_process *p = &n->proc;
	size_t i;
	unsigned int k;

	if (n->have_process) {
		fprintf(f, "         Note: gocoredump v%u (record %u bytes)\n",
			p->version, p->record_size);
		fprintf(f, "     Dump seq: %" PRIu64 "\n", p->seq);
		fprintf(f, "       Kernel: %s\n", p->release);
		fprintf(f, "     Realtime: ");
		print_ns(f, p->realtime_ns);
		fprintf(f, "\n     Boottime: ");
		print_ns(f, p->boottime_ns);
		fprintf(f, "\n       Signal: %d (si_code %d)\n", p->signo,
			p->si_code);
		if (p->flags & GCD_PROC_F_PIDNS)
			/* The module withheld the host's pids (TIDs are 0). */
			fprintf(f, "          PID: %u in its pid namespace (tgid %u; host pids not recorded)\n",
				p->ns_pid, p->ns_tgid);
		else
			fprintf(f, "          PID: %u (tgid %u; in its namespace %u, tgid %u)\n",
				p->pid, p->tgid, p->ns_pid, p->ns_tgid);
		fprintf(f, "       Filter: %#x (effective %#x)\n",
			p->coredump_filter, p->effective_filter);
		fprintf(f, "       Forced: %u mappings, %" PRIu64 " bytes\n",
			p->forced_vmas, p->forced_bytes);
		if (p->flags & GCD_PROC_F_SNAPSHOT)
			fprintf(f, "     Snapshot: of a running process, by gocap snapshot (no crash; facts from /proc)\n");
		if (p->flags & GCD_PROC_F_TB_UPGRADED)
			fprintf(f, "    Traceback: upgraded to crash by gocoredump (the program ran without GOTRACEBACK=crash)\n");
		if (p->flags & GCD_PROC_F_BUILDINFO)
			fprintf(f, "           Go: %s, module %s%s%s\n",
				p->go_version, p->go_module,
				(p->flags & GCD_PROC_F_VCSREV) ? ", revision " :
								 "",
				(p->flags & GCD_PROC_F_VCSREV) ?
					p->vcs_revision : "");
		if (p->flags & GCD_PROC_F_PIE)
			fprintf(f, "    Load bias: %#" PRIx64 "\n", p->load_bias);
		for (k = 0; k < GCD_ROOT_COUNT; k++) {
			/* "allgs" for runtime.allgs */
			const char *nm = goelf_root_name(k) + strlen("runtime.");

			if (p->roots_present & (1u << k))
				fprintf(f, "%*s: %#" PRIx64 "\n", 13, nm,
					p->roots[k]);
			else
				fprintf(f, "%*s: (absent)\n", 13, nm);
		}
		fprintf(f, "      Threads: %u\n", p->nr_threads);
	}
	if (n->have_threads) {
		fprintf(f, "\n%8s %8s %-16s %3s %-11s %4s %5s %-12s %4s %10s %10s %12s %7s %7s %6s %12s %8s\n",
			"TID", "NSTID", "COMM", "SIG", "POLICY", "PRIO", "NICE",
			"CPUS", "LAST", "UTIME", "STIME", "RUNTIME", "NVCSW",
			"NIVCSW", "MIGR", "RUNDELAY", "PCOUNT");
		for (i = 0; i < n->nthreads; i++) {
			const struct gcd_thread *t = &n->threads[i];
			char cpus[64];

			gcdnote_cpu_list(t->cpus_allowed, cpus, sizeof(cpus));
			fprintf(f, "%8u %8u %-16s %3s %-11s %4u %5d %-12s %4u ",
				t->tid, t->ns_tid, t->comm,
				(t->flags & GCD_THR_F_SIGNALLED) ? "*" : "",
				gcdnote_policy_name(t->policy), t->prio, t->nice, cpus,
				t->last_cpu);
			print_ns(f, t->utime_ns);
			fputc(' ', f);
			print_ns(f, t->stime_ns);
			fputc(' ', f);
			print_ns(f, t->sum_exec_runtime_ns);
			fprintf(f, " %7" PRIu64 " %7" PRIu64 " %6" PRIu64 " ",
				t->nvcsw, t->nivcsw, t->nr_migrations);
			print_ns(f, t->run_delay_ns);
			fprintf(f, " %8" PRIu64 "\n", t->pcount);
		}
	}
	if (n->problem[0])
		fprintf(f, "\nProblem: %s\n", n->problem);
}
