#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# lb_restart.py: the TCP/UDP traffic of lb_restart.sh, and the announcement
# of a floating address (python3, the standard library only). One thread,
# one selectors loop per process: cheap enough under TCG for a few hundred
# messages a second.
#
#   serve NAME READYFILE PORT
#       Echo server, TCP and UDP, dual-stack, every address: each line
#       (TCP) or datagram (UDP) comes back as "NAME:<line>"; UDP replies
#       leave from the address the datagram was sent to (a tun VIP on lo).
#       READYFILE is created once it listens.
#
#   flows DIR INTERVAL_MS DRAIN_S SPEC...
#       Streams of numbered messages over TCP and UDP, SPEC being
#       KIND,PROTO,ADDR,PORT,COUNT (e.g. "nat4,tcp,192.0.2.1,9000,5":
#       COUNT flows to ADDR:PORT). Every flow sends "NAME SEQ\n" (NAME =
#       PROTO/KIND/INDEX, SEQ from 0) every INTERVAL_MS to the echo server,
#       which answers "SERVER:NAME SEQ\n", and checks every echo. Until
#       DIR/stop exists; then it sends nothing new and waits up to DRAIN_S
#       for the missing echoes.
#       TCP: one connection per flow; a reset, an error or the other side
#       closing ends the flow ("error").
#       UDP: one connected socket per flow. A UDP application that must
#       not lose messages retransmits them (DNS, SIP, QUIC do), and so does
#       this one: a message not echoed within the flow's retransmission
#       timeout (as TCP's: smoothed RTT + 4 x its variation, from messages
#       sent once; 250 ms at least) is sent again, the delay doubling up to
#       2 s, until its echo comes or the drain ends. What the LB must not
#       do to a UDP flow is send it to another server: "moved" counts the
#       echoes from a server other than the flow's first.
#       DIR/ready: "NAME SERVER" per flow once every flow had an echo;
#       DIR/progress: "ECHOED LIVE FLOWS" (distinct echoes so far, flows
#       with an echo in the last second, flows), rewritten every 200 ms.
#       At the end DIR/summary.json (and stdout): {"flows": [per flow:
#       name, proto, kind, lport, server, sent, echoed, lost (sent, never
#       echoed), duplicated (more echoes of a message than it was sent),
#       reordered (an echo of a message sent once, after the echo of a
#       later one), moved, bad (malformed or another flow's), retransmits
#       (UDP), max_gap_ms (longest time without an echo while sending),
#       error, socket_errors (UDP: errors the socket reported, by name),
#       servers (if moved: echoes from each server)]}.
#       Exit 0 if every flow is clean (nothing lost, duplicated,
#       reordered, moved or bad, no error), else 1.
#
#   announce DEV ADDR...
#       What a VRRP router (keepalived) sends when it takes a floating
#       address over: a gratuitous ARP request for each IPv4 ADDR and an
#       unsolicited neighbour advertisement (router and override flags) for
#       each IPv6 ADDR, from DEV's link-layer address, so that the hosts of
#       the segment that have the address cached point it at DEV at once.
#       (Run it with "ip netns exec": it reads /sys/class/net/DEV.)
import errno
import json
import os
import selectors
import socket
import struct
import sys
import time

from dataplane import udp_reply

RTO_MIN = 0.25
RTO_MAX = 2.0


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def why(e):
    if isinstance(e, socket.timeout):
        return 'timeout'
    if getattr(e, 'errno', None) in errno.errorcode:
        return errno.errorcode[e.errno]
    return type(e).__name__


def write(d, name, text):
    tmp = os.path.join(d, '.' + name)
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, os.path.join(d, name))


# --- serve ------------------------------------------------------------------

def serve(name, ready, port):
    pre = name.encode() + b':'
    sel = selectors.DefaultSelector()
    lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lst.bind(('::', port))
    lst.listen(1024)
    lst.setblocking(False)
    sel.register(lst, selectors.EVENT_READ, 'listen')
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    u.bind(('::', port))
    u.setblocking(False)
    sel.register(u, selectors.EVENT_READ, 'udp')
    bufs = {}
    open(ready, 'w').close()
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == 'listen':
                try:
                    c, _ = s.accept()
                except OSError:
                    continue
                c.setblocking(False)
                bufs[c] = b''
                sel.register(c, selectors.EVENT_READ, 'tcp')
            elif key.data == 'udp':
                udp_reply(s, pre)
            else:
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b''
                if not data:
                    sel.unregister(s)
                    del bufs[s]
                    s.close()
                    continue
                lines = (bufs[s] + data).split(b'\n')
                bufs[s] = lines.pop()
                out = b''.join(pre + ln + b'\n' for ln in lines)
                try:
                    # a few bytes every 100 ms: the buffer has room
                    s.sendall(out)
                except OSError:
                    pass


# --- flows ------------------------------------------------------------------

class Flow:
    def __init__(self, kind, proto, addr, port, idx):
        self.kind, self.proto, self.addr, self.port = kind, proto, addr, port
        self.name = '%s/%s/%d' % (proto, kind, idx)
        self.sock = None
        self.lport = None
        self.server = None
        self.servers = {}       # echoes from each server
        self.sent = 0
        self.txs = []           # transmissions of each seq
        self.echoes = []        # echoes of each seq
        self.sent_at = []       # first transmission of each seq
        self.echoed = 0         # distinct seqs echoed
        self.max_echoed = -1
        self.dup = self.reord = self.moved = self.bad = 0
        self.retrans = 0
        self.error = None
        self.errors = {}
        self.t0 = time.monotonic()
        self.last_echo = None
        self.max_gap = 0.0
        self.sending = True
        self.rbuf = b''
        self.wbuf = b''
        self.pending = {}       # UDP: seq -> [next retransmission, rto]
        self.srtt = self.rttvar = None

    def new_msg(self, now):
        seq = self.sent
        self.sent += 1
        self.txs.append(1)
        self.echoes.append(0)
        self.sent_at.append(now)
        return seq, b'%s %d\n' % (self.name.encode(), seq)

    def payload(self, seq):
        return b'%s %d\n' % (self.name.encode(), seq)

    def rtt_sample(self, rtt):
        """RFC 6298, from messages sent once (Karn)."""
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt

    def rto(self):
        if self.srtt is None:
            return 1.0
        return min(max(self.srtt + 4 * self.rttvar, RTO_MIN), RTO_MAX)

    def on_echo(self, data, now):
        """One echo, b'SERVER:NAME SEQ' (without the newline)."""
        try:
            srv, _, rest = data.decode().partition(':')
            name, seq = rest.split()
            seq = int(seq)
        except ValueError:
            self.bad += 1
            return
        if name != self.name or not 0 <= seq < self.sent:
            self.bad += 1
            return
        if self.server is None:
            self.server = srv
        elif srv != self.server:
            self.moved += 1
        self.servers[srv] = self.servers.get(srv, 0) + 1
        self.echoes[seq] += 1
        if self.echoes[seq] > self.txs[seq]:
            self.dup += 1
        if self.echoes[seq] > 1:
            return
        self.pending.pop(seq, None)
        self.echoed += 1
        if self.txs[seq] == 1:
            self.rtt_sample(now - self.sent_at[seq])
            if seq < self.max_echoed:
                self.reord += 1
        self.max_echoed = max(self.max_echoed, seq)
        if self.sending:
            self.max_gap = max(self.max_gap,
                               now - (self.last_echo or self.t0))
        self.last_echo = now

    def complete(self):
        return self.error is not None or self.echoed == self.sent

    def summary(self):
        s = {'name': self.name, 'proto': self.proto, 'kind': self.kind,
             'lport': self.lport, 'server': self.server, 'sent': self.sent,
             'echoed': self.echoed, 'lost': self.sent - self.echoed,
             'duplicated': self.dup, 'reordered': self.reord,
             'moved': self.moved, 'bad': self.bad,
             'retransmits': self.retrans,
             'max_gap_ms': int(self.max_gap * 1000), 'error': self.error}
        if self.errors:
            s['socket_errors'] = self.errors
        if self.moved:
            s['servers'] = self.servers
        return s

    def clean(self):
        return (self.sent > 0 and self.echoed == self.sent and
                not (self.dup or self.reord or self.moved or self.bad or
                     self.error))


class Flows:
    def __init__(self, d, interval, drain_s, specs):
        self.d, self.interval, self.drain_s = d, interval, drain_s
        self.sel = selectors.DefaultSelector()
        self.flows = []
        for spec in specs:
            kind, proto, addr, port, count = spec.split(',')
            for i in range(int(count)):
                self.flows.append(Flow(kind, proto, addr, int(port), i))

    def fail(self, f, what):
        if f.error is None:
            f.error = what
        if f.sock:
            self.sel.unregister(f.sock)
            f.sock.close()
            f.sock = None

    def open(self, f):
        proto = socket.SOCK_STREAM if f.proto == 'tcp' else socket.SOCK_DGRAM
        s = socket.socket(fam(f.addr), proto)
        try:
            if f.proto == 'tcp':
                s.settimeout(30)
            s.connect((f.addr, f.port))
        except OSError as e:
            f.error = 'connect: %s' % why(e)
            s.close()
            return
        s.setblocking(False)
        f.sock = s
        f.lport = s.getsockname()[1]
        self.sel.register(s, selectors.EVENT_READ, f)

    def send(self, f, data):
        if f.proto == 'udp':
            try:
                f.sock.send(data)
            except OSError as e:
                f.errors[why(e)] = f.errors.get(why(e), 0) + 1
            return
        f.wbuf += data
        self.flush(f)

    def flush(self, f):
        if not f.wbuf or not f.sock:
            return
        try:
            n = f.sock.send(f.wbuf)
            f.wbuf = f.wbuf[n:]
        except BlockingIOError:
            pass
        except OSError as e:
            self.fail(f, why(e))

    def readable(self, f, now):
        while f.sock:
            try:
                data = f.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                if f.proto == 'tcp':
                    self.fail(f, why(e))
                    return
                f.errors[why(e)] = f.errors.get(why(e), 0) + 1
                continue
            if f.proto == 'udp':
                f.on_echo(data.rstrip(b'\n'), now)
                continue
            if not data:
                self.fail(f, 'closed by the other side')
                return
            lines = (f.rbuf + data).split(b'\n')
            f.rbuf = lines.pop()
            for ln in lines:
                f.on_echo(ln, now)

    def retransmit(self, f, now):
        for seq, (at, rto) in list(f.pending.items()):
            if now >= at:
                rto = min(rto * 2, RTO_MAX)
                f.pending[seq] = [now + rto, rto]
                f.txs[seq] += 1
                f.retrans += 1
                self.send(f, f.payload(seq))

    def run(self):
        for f in self.flows:
            self.open(f)
        next_send = time.monotonic()
        next_house = 0
        stopping = None
        ready = False
        while True:
            now = time.monotonic()
            wake = min(next_house, next_send if stopping is None else now + 1)
            for key, _ in self.sel.select(max(0, min(wake - now, 0.05))):
                self.readable(key.data, time.monotonic())
            now = time.monotonic()
            if stopping is None and now >= next_send:
                for f in self.flows:
                    if f.sock:
                        seq, data = f.new_msg(now)
                        if f.proto == 'udp':
                            f.pending[seq] = [now + f.rto(), f.rto()]
                        self.send(f, data)
                # late (a slow machine): no burst to catch up
                next_send = max(next_send + self.interval, now)
            for f in self.flows:
                if f.sock:
                    self.flush(f)
                    if f.pending:
                        self.retransmit(f, now)
            if now >= next_house:
                next_house = now + 0.2
                if stopping is None and \
                        os.path.exists(os.path.join(self.d, 'stop')):
                    stopping = now
                    for f in self.flows:
                        f.sending = False
                live = sum(1 for f in self.flows
                           if f.last_echo and now - f.last_echo < 1)
                write(self.d, 'progress', '%d %d %d\n' % (
                    sum(f.echoed for f in self.flows), live,
                    len(self.flows)))
                if not ready and all(f.server or f.error
                                     for f in self.flows):
                    write(self.d, 'ready', ''.join(
                        '%s %s\n' % (f.name, f.server or '-')
                        for f in self.flows))
                    ready = True
            if stopping is not None and (
                    all(f.complete() for f in self.flows) or
                    now > stopping + self.drain_s):
                break
        out = [f.summary() for f in self.flows]
        text = json.dumps({'flows': out})
        write(self.d, 'summary.json', text + '\n')
        print(text)
        return all(f.clean() for f in self.flows)


# --- announce ---------------------------------------------------------------

def ifmac(dev):
    with open('/sys/class/net/%s/address' % dev) as f:
        return bytes.fromhex(f.read().strip().replace(':', ''))


def garp(dev, addr):
    mac = ifmac(dev)
    ip = socket.inet_aton(addr)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0x0806))
    arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, ip,
                      b'\0' * 6, ip)
    s.send(b'\xff' * 6 + mac + struct.pack('!H', 0x0806) + arp)
    s.close()


def unsolicited_na(dev, addr):
    mac = ifmac(dev)
    idx = socket.if_nametoindex(dev)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    # type 136, code 0, checksum (the kernel's), flags router and override
    na = struct.pack('!BBHI16s', 136, 0, 0, 0xa0000000,
                     socket.inet_pton(socket.AF_INET6, addr))
    na += struct.pack('!BB6s', 2, 1, mac)   # target link-layer address
    s.sendto(na, ('ff02::1', 0, 0, idx))
    s.close()


def announce(dev, addrs):
    for a in addrs:
        if ':' in a:
            unsolicited_na(dev, a)
        else:
            garp(dev, a)


def main(a):
    if a[0] == 'serve':
        serve(a[1], a[2], int(a[3]))
    elif a[0] == 'flows':
        fl = Flows(a[1], int(a[2]) / 1000, float(a[3]), a[4:])
        sys.exit(0 if fl.run() else 1)
    elif a[0] == 'announce':
        announce(a[1], a[2:])
    else:
        sys.exit('lb_restart.py: unknown command %s' % a[0])


main(sys.argv[1:])
