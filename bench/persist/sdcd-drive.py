#!/usr/bin/env python3
# sdcd-drive.py SYSTEMD_COREDUMP PID COMM EXE: run Debian's systemd-coredump
# standalone, in its socket mode (the half that systemd-coredump@.service
# runs), on the core arriving on our stdin.  We play the other half, the
# core_pattern process: we send the metadata fields as SOCK_SEQPACKET
# datagrams and then the core's fd in a final empty datagram, exactly as
# send_iovec() in systemd's src/coredump/coredump.c does, and wait for it.
import os, socket, sys, time

exe, pid, comm, target = sys.argv[1:5]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
child = os.fork()
if child == 0:
    os.dup2(b.fileno(), 3)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["SYSTEMD_LOG_LEVEL"] = "warning"
    os.execv(exe, [exe])
b.close()
now = int(time.time())
fields = {
    "COREDUMP_PID": pid, "COREDUMP_UID": "0", "COREDUMP_GID": "0",
    "COREDUMP_SIGNAL": "6", "COREDUMP_TIMESTAMP": "%d000000" % now,
    "COREDUMP_RLIMIT": "18446744073709551615", "COREDUMP_HOSTNAME": os.uname().nodename,
    "COREDUMP_COMM": comm, "COREDUMP_EXE": target,
}
for k, v in fields.items():
    a.send(("%s=%s" % (k, v)).encode())
socket.send_fds(a, [b""], [0])
os.close(0)
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
