#!/usr/bin/env python3
"""echo-client.py PORT STOPFILE: the client of tests/triage/host.sh's live
test.  Four connections to the echo server, each sending numbered lines
one at a time and waiting (at most 10 s) for each to come back the same,
until STOPFILE exists.  Prints "requests N lost L" and exits 0 only when
every request came back."""
import os
import socket
import sys
import threading

port, stop = int(sys.argv[1]), sys.argv[2]
counts = {'requests': 0, 'lost': 0}
lock = threading.Lock()


def client(k):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    f = s.makefile('rb')
    n = 0
    while not os.path.exists(stop):
        msg = b'client %d request %d\n' % (k, n)
        try:
            s.sendall(msg)
            ok = f.readline() == msg
        except OSError:
            ok = False
        with lock:
            counts['requests'] += 1
            counts['lost'] += not ok
        if not ok:
            return
        n += 1


ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print('requests %d lost %d' % (counts['requests'], counts['lost']))
sys.exit(0 if counts['lost'] == 0 and counts['requests'] > 0 else 1)
