#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# sctp_streams.py: a one-to-one SCTP client that opens an association with
# many streams (python3, the standard library only):
#
#   sctp_streams.py ADDR PORT STREAMS READYFILE STOPFILE
#
# Asks for STREAMS outbound streams and accepts as many inbound ones
# (SCTP_INITMSG: a peer chooses its stream count in its INIT), connects to
# ADDR:PORT, then sends a numbered line on stream 0 every 40 ms and reads
# each echo back (sctp_echo), until STOPFILE exists. READYFILE is created
# after the first echo. Prints a JSON summary; exit 0 if every line came
# back, in order, 1 otherwise (an echo missing for 10 s, a wrong one, a
# reset).
import json
import os
import socket
import struct
import sys
import time

SCTP_INITMSG = 2


def main():
    addr, port, streams, ready, stop = sys.argv[1:6]
    port, streams = int(port), int(streams)
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    # struct sctp_initmsg: num_ostreams, max_instreams, max_attempts,
    # max_init_timeo
    s.setsockopt(socket.IPPROTO_SCTP, SCTP_INITMSG,
                 struct.pack('HHHH', streams, streams, 0, 0))
    s.settimeout(10)
    sent = echoed = 0
    err = None
    try:
        s.connect((addr, port))
        while not os.path.exists(stop):
            line = b'%d\n' % sent
            s.send(line)
            sent += 1
            got = s.recv(4096)
            if got != line:
                err = 'echo %r, expected %r' % (got, line)
                break
            echoed += 1
            if echoed == 1:
                open(ready, 'w').close()
            time.sleep(0.04)
    except OSError as e:
        err = '%s after %d echoes' % (e, echoed)
    s.close()
    print(json.dumps({'streams': streams, 'sent': sent, 'echoed': echoed,
                      'error': err}))
    return 1 if err or not echoed else 0


if __name__ == '__main__':
    sys.exit(main())
