# SPDX-License-Identifier: GPL-2.0
#
# flood.py: the legitimate traffic of flood.sh (python3, the standard
# library only).
#
#   streams PROTO ADDR PORT N LOG STOP
#                 N connections (tcp, or sctp one-to-one style) to ADDR:PORT,
#                 an echo server behind it (dataplane.py serve answers
#                 "srvN:LINE", sctp-echo the message itself), each sending
#                 a line every 0.5 s and reading what comes back, until
#                 the file STOP appears; then until each has echoed once
#                 more (its retransmissions may have backed off while the
#                 CPU was flooded), for up to RECOVER (120) s. LOG.up says
#                 how many came up once they are connected; at the end,
#                 one line to LOG: "up U lost L echoes E min M", U
#                 connections that came up, L of them lost (an error, EOF,
#                 or no echo in the RECOVER s after STOP), E echoes in all,
#                 M the fewest any one got; and "lost I WHY" per lost one.
import os
import select
import socket
import sys
import time


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def streams(proto, addr, port, n, log, stop, recover='120'):
    n, recover = int(n), float(recover)
    t_stop = None
    num = socket.IPPROTO_SCTP if proto == 'sctp' else socket.IPPROTO_TCP
    conns, lost, echoes, last = [], {}, {}, {}
    for i in range(n):
        s = socket.socket(fam(addr), socket.SOCK_STREAM, num)
        if fam(addr) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.settimeout(10)
        try:
            s.connect((addr, int(port)))
        except OSError as e:
            lost[i] = 'connect: %s' % e
            s.close()
            continue
        s.setblocking(False)
        conns.append((i, s))
        echoes[i] = 0
        last[i] = time.monotonic()
    up = len(conns)
    with open(log + '.up', 'w') as f:
        f.write('%d\n' % up)
    nxt = 0.0
    while conns:
        now = time.monotonic()
        if t_stop is None and os.path.exists(stop):
            t_stop = now
        if t_stop is not None and (now - t_stop > recover or
                                   all(last[i] > t_stop for i, _ in conns)):
            break
        if now >= nxt:
            nxt = now + 0.5
            for i, s in list(conns):
                try:
                    s.send(b'line %d %d\n' % (i, echoes[i]))
                except BlockingIOError:
                    pass
                except OSError as e:
                    lost[i] = 'send: %s' % e
                    conns.remove((i, s))
        socks = {s: i for i, s in conns}
        r, _, _ = select.select(list(socks), [], [], 0.1)
        for s in r:
            i = socks[s]
            try:
                data = s.recv(65536)
            except OSError as e:
                lost[i] = 'recv: %s' % e
                conns.remove((i, s))
                continue
            if not data:
                lost[i] = 'closed by the other side'
                conns.remove((i, s))
                continue
            echoes[i] += data.count(b'\n')
            last[i] = time.monotonic()
    for i, s in conns:
        if last[i] <= t_stop:
            lost[i] = 'no echo in the %d s after the end' % recover
    with open(log, 'w') as out:
        counts = list(echoes.values()) or [0]
        out.write('up %d lost %d echoes %d min %d\n' %
                  (up, len(lost), sum(counts), min(counts)))
        for i, why in sorted(lost.items()):
            out.write('lost %d %s\n' % (i, why))
    return 0


def main():
    cmds = {'streams': streams}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print('usage: flood.py %s ...' % '|'.join(cmds), file=sys.stderr)
        return 2
    return cmds[sys.argv[1]](*sys.argv[2:]) or 0


if __name__ == '__main__':
    sys.exit(main())
