// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_triage.c - gocap summary: one screen for a core (the crash, the
 * top buckets, the longest waiters, goroutines by state, threads and Ms,
 * and what the note and the store know of the process).  The buckets of
 * goroutines --group are printed by cmd_goroutines (cmd_core.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/gonow.h"
#include "go/goproc.h"
#include "gocap/gocap.h"
#include "gocap/print.h"
#include "store/store.h"

/* The store's row of dump o->id, when the core came from the store. */
static void store_facts(const struct gocap_opts *o, struct summary_facts *sf)
{
	struct store_dump *d;
	struct store *s = NULL;
	char *end;
	long long id;

	if (!o->id)
		return;
	id = strtoll(o->id, &end, 10);
	if (*end || id <= 0)
		return;
	if (store_open(&s, o->store_dir, STORE_O_READONLY, NULL, 0) < 0)
		return;
	d = calloc(1, sizeof(*d));
	if (d && !store_get(s, id, d)) {
		sf->have_store = 1;
		sf->store_id = d->id;
		sf->time_us = d->time_us;
		sf->pid = d->pid;
		sf->uid = d->uid;
		sf->signal = d->signal;
		snprintf(sf->hostname, sizeof(sf->hostname), "%s", d->hostname);
		snprintf(sf->exe, sizeof(sf->exe), "%s", d->exe);
		snprintf(sf->container_id, sizeof(sf->container_id), "%s",
			 d->container_id);
	}
	free(d);
	store_close(s);
}

int cmd_summary(struct gocap_opts *o)
{
	struct triage_print tp = { .json = o->json, .filters = o->filters };
	struct summary_facts *sf;
	struct gonow now;
	struct goproc p;
	int ret = gocap_open_proc(o, "summary", &p);

	if (ret)
		return ret;
	if (gocap_decide_now(o, &p, &now)) {
		goproc_close(&p);
		return 1;
	}
	tp.now = &now;
	sf = calloc(1, sizeof(*sf));
	if (sf)
		store_facts(o, sf);
	if (!sf || print_summary(&p, stdout, &tp, sf)) {
		gocap_err("%s: cannot write the summary (out of memory, or the output could not be written)",
			  o->core);
		ret = 1;
	}
	fflush(stdout);
	gocap_print_warnings(&p);
	if (p.core.truncated) {
		gocap_err("%s: the core is truncated: the summary above is partial",
			  o->core);
		ret = 1;
	}
	free(sf);
	goproc_close(&p);
	return ret;
}
