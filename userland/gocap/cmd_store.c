// SPDX-License-Identifier: GPL-2.0
/* cmd_store.c - placeholder until the store commands land. */
#include "gocap.h"

int store_resolve(struct gocap_opts *o) { (void)o; gocap_err("store not yet"); return 1; }
void gocap_cleanup(void) {}
int cmd_list(struct gocap_opts *o) { (void)o; return 1; }
int cmd_info(struct gocap_opts *o) { (void)o; return 1; }
int cmd_dump(struct gocap_opts *o) { (void)o; return 1; }
int cmd_debug(struct gocap_opts *o) { (void)o; return 1; }
