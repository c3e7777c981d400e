/* SPDX-License-Identifier: GPL-2.0 */
/*
 * golayout_table.h - the per-release layout table (golayout_table.c), for
 * golayout.c and the tests only.
 */
#ifndef GOCD_GOLAYOUT_TABLE_H
#define GOCD_GOLAYOUT_TABLE_H

#include "go/golayout.h"

struct golayout_entry {
	int minor;			/* Go 1.minor */
	struct golayout layout;
};

extern const struct golayout_entry golayout_table[];
extern const size_t golayout_table_len;

#endif /* GOCD_GOLAYOUT_TABLE_H */
