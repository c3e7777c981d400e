// SPDX-License-Identifier: GPL-2.0
/*
 * security.c - privilege reduction for the daemon and the pipe helper.
 *
 * The store is owned by root with mode 0700, so writing it needs uid 0
 * and no capability at all; reading /proc/PID of another user (socket
 * mode, where the daemon reads it itself) needs CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH.  Everything else goes.
 */
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "gocapd/security.h"

int sec_nondumpable(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -errno : 0;
}

int sec_drop_caps(int keep_proc)
{
	static const cap_value_t keep[] = { CAP_SYS_PTRACE,
					    CAP_DAC_READ_SEARCH };
	int n = keep_proc ? 2 : 0, err = 0;
	cap_t caps;

	/* Bounding set first: dropping from it needs CAP_SETPCAP. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (n && (c == keep[0] || c == keep[1]))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL &&
		    errno != EPERM)
			err = -errno;
	}
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (n && (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) ||
		  cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET)))
		err = -EINVAL;
	if (!err && cap_set_proc(caps) < 0)
		err = -errno;
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 && !err)
		err = -errno;
	return err;
}
