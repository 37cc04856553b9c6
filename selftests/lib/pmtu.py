# SPDX-License-Identifier: GPL-2.0
#
# pmtu.py: servers and clients of pmtu.sh (python3, the standard library).
#
#   serve ADDR PORT READYFILE     TCP and UDP on ADDR:PORT: a TCP client
#                                 sends "N\n" and gets N bytes, then EOF; a
#                                 UDP datagram "N" gets one datagram of N
#                                 bytes back (fragmented when N is larger
#                                 than the path MTU).
#   fetch tcp|udp DST PORT N TIMEOUT
#                                 ask DST:PORT for N bytes; print
#                                 "ok N SECONDS" or "fail WHY". UDP: the
#                                 answer must come from DST:PORT (the
#                                 socket is connected).
#   refused DST PORT TIMEOUT      send a datagram to DST:PORT on a connected
#                                 UDP socket: print "refused" when the
#                                 peer's ICMP port unreachable reaches the
#                                 socket (it must quote DST:PORT), else
#                                 "fail WHY".
#   icmp-unreach SRC DST QSPORT QDPORT [FROM]
#                                 send DST an ICMP(v6) port unreachable
#                                 quoting a UDP datagram DST:QSPORT ->
#                                 SRC:QDPORT (raw socket); from address
#                                 FROM (spoofed) if given.
import os
import socket
import struct
import sys
import threading
import time

# hardening.py (same directory): checksums and raw IP headers
from hardening import csum16, fam, ip_wrap, l4_csum


def serve(addr, port, ready):
    f = fam(addr)
    ls = socket.socket(f, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)
    us = socket.socket(f, socket.SOCK_DGRAM)
    us.bind((addr, port))

    def tcp_one(c):
        with c:
            buf = b''
            while not buf.endswith(b'\n'):
                d = c.recv(64)
                if not d:
                    return
                buf += d
            n = int(buf)
            chunk = b'x' * 65536
            while n > 0:
                c.sendall(chunk[:min(n, len(chunk))])
                n -= min(n, len(chunk))

    def tcp_loop():
        while True:
            c, _ = ls.accept()
            threading.Thread(target=tcp_one, args=(c,), daemon=True).start()

    def udp_loop():
        while True:
            d, peer = us.recvfrom(64)
            us.sendto(b'y' * int(d), peer)

    threading.Thread(target=tcp_loop, daemon=True).start()
    threading.Thread(target=udp_loop, daemon=True).start()
    open(ready, 'w').close()
    while True:
        time.sleep(3600)


def fetch(proto, dst, port, n, timeout):
    start = time.monotonic()
    try:
        if proto == 'tcp':
            s = socket.create_connection((dst, port), timeout=timeout)
            s.settimeout(timeout)
            s.sendall(b'%d\n' % n)
            got = 0
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += len(d)
        else:
            s = socket.socket(fam(dst), socket.SOCK_DGRAM)
            s.settimeout(timeout)
            s.connect((dst, port))
            s.send(b'%d' % n)
            got = len(s.recv(65536))
    except OSError as e:
        print('fail %s' % (type(e).__name__ if not e.errno else
                           os.strerror(e.errno)))
        return 1
    if got != n:
        print('fail got %d bytes of %d' % (got, n))
        return 1
    print('ok %d %.1f' % (got, time.monotonic() - start))
    return 0


def refused(dst, port, timeout):
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((dst, port))
    s.send(b'anyone?')
    try:
        s.recv(64)
        print('fail an answer')
    except ConnectionRefusedError:
        print('refused')
        return 0
    except OSError as e:
        print('fail %s' % type(e).__name__)
    return 1


def icmp_unreach(src, dst, qsport, qdport, outer_src=None):
    f = fam(dst)
    a, b = socket.inet_pton(f, dst), socket.inet_pton(f, src)
    udp = struct.pack('!HHHH', qsport, qdport, 16, 0) + b'quoted!!'
    if f == socket.AF_INET:
        qip = struct.pack('!BBHHHBBH', 0x45, 0, 20 + len(udp), 1, 0, 64,
                          socket.IPPROTO_UDP, 0) + a + b
        qip = qip[:10] + struct.pack('!H', csum16(qip)) + qip[12:]
        # type 3 code 3: port unreachable
        body = struct.pack('!BBHI', 3, 3, 0, 0) + qip + udp
        body = body[:2] + struct.pack('!H', csum16(body)) + body[4:]
        proto = socket.IPPROTO_ICMP
    else:
        qip = struct.pack('!IHBB', 6 << 28, len(udp), socket.IPPROTO_UDP,
                          64) + a + b
        # type 1 code 4: port unreachable
        body = struct.pack('!BBHI', 1, 4, 0, 0) + qip + udp
        proto = socket.IPPROTO_ICMPV6
        if outer_src:
            c = l4_csum(outer_src, dst, proto, body)
            body = body[:2] + struct.pack('!H', c) + body[4:]
    if not outer_src:
        # the kernel fills the ICMPv6 checksum in
        s = socket.socket(f, socket.SOCK_RAW, proto)
        s.sendto(body, (dst, 0))
        return 0
    s = socket.socket(f, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if f == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.sendto(ip_wrap(outer_src, dst, proto, body), (dst, 0))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == 'serve':
        return serve(argv[2], int(argv[3]), argv[4])
    if cmd == 'fetch':
        return fetch(argv[2], argv[3], int(argv[4]), int(argv[5]),
                     float(argv[6]))
    if cmd == 'refused':
        return refused(argv[2], int(argv[3]), float(argv[4]))
    if cmd == 'icmp-unreach':
        return icmp_unreach(argv[2], argv[3], int(argv[4]), int(argv[5]),
                            argv[6] if len(argv) > 6 else None)
    print('unknown command %s' % cmd, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
