# SPDX-License-Identifier: GPL-2.0
#
# hardening.py: the packets and probes of hardening.sh (python3, the
# standard library only).
#
#   ttl-serve LOG READY ADDR:PORT...
#                 UDP on each ADDR:PORT (a tun VIP the server owns): a line
#                 "PAYLOAD TTL" in LOG per datagram, TTL being the IPv4 TTL
#                 or IPv6 hop limit it arrived with (the inner header, once
#                 the tunnel took off the outer one). READY once bound.
#   ttl-send ADDR PORT TTL PAYLOAD WAIT
#                 one UDP datagram PAYLOAD with TTL (hop limit) TTL, then
#                 up to WAIT s for an ICMP error about it (IP_RECVERR):
#                 prints "icmp TYPE CODE FROM" or "no-icmp".
#   sctp-watch LOG READY
#                 raw SCTP sockets (IPv4 and IPv6): a line "FAMILY SPORT
#                 DPORT crc-ok|crc-bad" in LOG per SCTP packet delivered to
#                 this namespace, whatever its CRC32c (raw sockets get their
#                 copy before SCTP checks it). READY once open.
#   sctp-send ADDR PORT SPORT good|bad
#                 one SCTP INIT to ADDR:PORT from SPORT over a raw socket,
#                 with its CRC32c right or wrong.
#   sctp-data SRC DST PORT SPORT VTAG COUNT SIZE
#                 COUNT SCTP packets of one DATA chunk each, SIZE bytes with
#                 the IPv4 header, verification tag VTAG, from SRC (any
#                 address: IP_HDRINCL) to DST, TSNs far from any real
#                 association's and a wrong CRC32c (a constant, not
#                 computed: fast), so that an SCTP stack they reach
#                 discards them silently (no SACK, no ABORT) and counts
#                 them (SctpChecksumErrors in /proc/net/sctp/snmp).
#   big-df SRC DST PORT SPORT COUNT SIZE
#                 COUNT UDP packets of SIZE bytes (IP header included) with
#                 DF, from SRC to DST over an IP_HDRINCL raw socket (the
#                 kernel routes each one anew: an uncached route per packet,
#                 which travels with it over loopback). Sent at the
#                 device's MTU whatever the route learnt (IP_PMTUDISC_PROBE).
#   spoof SRC DST SPORT DPORT KIND [VTAG [TAG]]
#                 one packet from SRC:SPORT (an address this namespace does
#                 not own) to DST:DPORT, headers written here (IPv4
#                 IP_HDRINCL / IPv6 IPPROTO_RAW raw socket) with valid
#                 checksums. KIND: udp (payload "spoofed"), rst (TCP RST,
#                 sequence 1), abort (SCTP ABORT with VTAG), init-ack
#                 (SCTP INIT-ACK with VTAG, initiate tag TAG).
#   udp-listen ADDR PORT LOG READY
#                 a line "FROM PAYLOAD" in LOG per datagram to ADDR:PORT.
#   hold PROTO ADDR PORT LOG
#                 one TCP or SCTP connection to ADDR:PORT (an echo server:
#                 dataplane.py serve, or sctp-echo) kept open: "port N" in
#                 LOG once up, then a line sent every 0.2 s and "ok N" per
#                 echo; "dead WHY" and the end if it breaks.
#   sctp-echo ADDR PORT READY
#                 an SCTP (one-to-one style) server echoing every message.
import os
import select
import socket
import struct
import sys
import time

# Linux values the socket module does not always name.
IP_TTL = 2
IP_RECVERR = 11
IP_RECVTTL = 12
IPV6_RECVERR = 25
IPV6_UNICAST_HOPS = 16
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52
IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3
SOL_IP = 0
SOL_IPV6 = 41
MSG_ERRQUEUE = 0x2000
SO_EE_ORIGIN_ICMP = 2
SO_EE_ORIGIN_ICMP6 = 3


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def split_hostport(s):
    host, port = s.rsplit(':', 1)
    return host.strip('[]'), int(port)


def ttl_serve(log, ready, *binds):
    socks = []
    for b in binds:
        addr, port = split_hostport(b)
        s = socket.socket(fam(addr), socket.SOCK_DGRAM)
        if fam(addr) == socket.AF_INET6:
            s.setsockopt(SOL_IPV6, IPV6_RECVHOPLIMIT, 1)
        else:
            s.setsockopt(SOL_IP, IP_RECVTTL, 1)
        s.bind((addr, port))
        socks.append(s)
    with open(ready, 'w') as f:
        f.write('ready\n')
    out = open(log, 'a', buffering=1)
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
            ttl = -1
            for level, typ, val in anc:
                if (level, typ) in ((SOL_IP, IP_TTL),
                                    (SOL_IPV6, IPV6_HOPLIMIT)):
                    ttl = struct.unpack('i', val[:4])[0]
            out.write('%s %d\n' % (data.decode(errors='replace').strip(),
                                   ttl))


def ttl_send(addr, port, ttl, payload, wait):
    f = fam(addr)
    s = socket.socket(f, socket.SOCK_DGRAM)
    if f == socket.AF_INET6:
        s.setsockopt(SOL_IPV6, IPV6_UNICAST_HOPS, int(ttl))
        s.setsockopt(SOL_IPV6, IPV6_RECVERR, 1)
    else:
        s.setsockopt(SOL_IP, IP_TTL, int(ttl))
        s.setsockopt(SOL_IP, IP_RECVERR, 1)
    s.connect((addr, int(port)))
    s.send(payload.encode())
    end = time.monotonic() + float(wait)
    p = select.poll()
    p.register(s, select.POLLERR)
    while time.monotonic() < end:
        if not p.poll(int((end - time.monotonic()) * 1000) + 1):
            continue
        try:
            _, anc, _, _ = s.recvmsg(2048, 512, MSG_ERRQUEUE)
        except BlockingIOError:
            continue
        for level, typ, val in anc:
            if (level, typ) not in ((SOL_IP, IP_RECVERR),
                                    (SOL_IPV6, IPV6_RECVERR)):
                continue
            # struct sock_extended_err, then the offender's sockaddr
            _, origin, etype, code = struct.unpack('=IBBB', val[:7])
            if origin not in (SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6):
                continue
            sa = val[16:]
            if struct.unpack('=H', sa[:2])[0] == socket.AF_INET6:
                frm = socket.inet_ntop(socket.AF_INET6, sa[8:24])
            else:
                frm = socket.inet_ntop(socket.AF_INET, sa[4:8])
            print('icmp %d %d %s' % (etype, code, frm))
            return 0
    print('no-icmp')
    return 0


# CRC32c (Castagnoli, reflected), as SCTP puts it on the wire.
CRC32C = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82f63b78 if _c & 1 else _c >> 1
    CRC32C.append(_c)


def crc32c(data):
    c = 0xffffffff
    for b in data:
        c = CRC32C[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def sctp_crc_ok(pkt):
    want = struct.unpack('<I', pkt[8:12])[0]
    return crc32c(pkt[:8] + b'\0\0\0\0' + pkt[12:]) == want


def sctp_watch(log, ready):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    with open(ready, 'w') as f:
        f.write('ready\n')
    out = open(log, 'a', buffering=1)
    while True:
        r, _, _ = select.select([s4, s6], [], [])
        for s in r:
            data = s.recv(65535)
            if s is s4:
                data = data[(data[0] & 0xf) * 4:]
            if len(data) < 12:
                continue
            sport, dport = struct.unpack('!HH', data[:4])
            out.write('%d %d %d %s\n' % (4 if s is s4 else 6, sport, dport,
                                         'crc-ok' if sctp_crc_ok(data)
                                         else 'crc-bad'))


def sctp_send(addr, port, sport, how):
    # INIT: initiate tag, a_rwnd, outbound / inbound streams, initial TSN
    init = struct.pack('!BBHIIHHI', 1, 0, 20, 0x4a4e0000 | int(sport),
                       65536, 10, 10, 1)
    hdr = struct.pack('!HHII', int(sport), int(port), 0, 0)
    crc = crc32c(hdr + init)
    if how == 'bad':
        crc ^= 0x5a5a5a5a
    pkt = hdr[:8] + struct.pack('<I', crc) + init
    s = socket.socket(fam(addr), socket.SOCK_RAW, socket.IPPROTO_SCTP)
    s.sendto(pkt, (addr, 0))
    return 0


def sctp_data(src, dst, port, sport, vtag, count, size):
    count, size = int(count), int(size)
    payload = b'd' * max(4, (size - 20 - 12 - 16) & ~3)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 0, 0, 0, 64, 132, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # a constant wrong CRC32c (right with odds of 2^-32)
    hdr = struct.pack('!HHII', int(sport), int(port), int(vtag), 0x5a5a5a5a)
    for i in range(count):
        # DATA, B and E flags: TSN, stream 0, SSN, PPID 0
        data = struct.pack('!BBHIHHI', 0, 3, 16 + len(payload),
                           0x80000000 + i, 0, i & 0xffff, 0) + payload
        s.sendto(ip + hdr + data, (dst, 0))
    print('sent %d' % count)
    return 0


def big_df(src, dst, port, sport, count, size):
    count, size = int(count), int(size)
    payload = b'x' * (size - 28)
    udp = struct.pack('!HHHH', int(sport), int(port), 8 + len(payload), 0)
    # tot_len and id 0: the kernel fills them in; DF; TTL 64; UDP
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 0, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # the device's MTU, not one a "fragmentation needed" taught the route
    s.setsockopt(SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)
    for _ in range(count):
        s.sendto(ip + udp + payload, (dst, 0))
    print('sent %d' % count)
    return 0


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    t = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


def l4_csum(src, dst, proto, seg):
    f = fam(src)
    a, b = socket.inet_pton(f, src), socket.inet_pton(f, dst)
    if f == socket.AF_INET:
        pseudo = a + b + struct.pack('!BBH', 0, proto, len(seg))
    else:
        pseudo = a + b + struct.pack('!IxxxB', len(seg), proto)
    return csum16(pseudo + seg)


def ip_wrap(src, dst, proto, seg):
    f = fam(src)
    a, b = socket.inet_pton(f, src), socket.inet_pton(f, dst)
    if f == socket.AF_INET:
        # tot_len, id and checksum: the kernel fills them in
        return struct.pack('!BBHHHBBH', 0x45, 0, 0, 0, 0, 64, proto, 0) + \
            a + b + seg
    return struct.pack('!IHBB', 6 << 28, len(seg), proto, 64) + a + b + seg


def spoof(src, dst, sport, dport, kind, vtag='0', tag='0'):
    sport, dport = int(sport), int(dport)
    vtag, tag = int(vtag, 0), int(tag, 0)
    if kind == 'udp':
        payload = b'spoofed'
        seg = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + \
            payload
        c = l4_csum(src, dst, 17, seg) or 0xffff
        seg = seg[:6] + struct.pack('!H', c) + seg[8:]
        num = 17
    elif kind == 'rst':
        seg = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x04,
                          0, 0, 0)
        c = l4_csum(src, dst, 6, seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        num = 6
    else:
        if kind == 'abort':
            chunk = struct.pack('!BBH', 6, 0, 4)
        else:
            # INIT-ACK: initiate tag, a_rwnd, streams, initial TSN, and a
            # state cookie parameter (mandatory)
            chunk = struct.pack('!BBHIIHHI', 2, 0, 28, tag, 65536, 10, 10,
                                1) + struct.pack('!HHI', 7, 8, 0x636f6f6b)
        hdr = struct.pack('!HHII', sport, dport, vtag, 0)
        seg = hdr[:8] + struct.pack('<I', crc32c(hdr + chunk)) + chunk
        num = 132
    f = fam(src)
    s = socket.socket(f, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if f == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.sendto(ip_wrap(src, dst, num, seg), (dst, 0))
    return 0


def udp_listen(addr, port, log, ready):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    with open(ready, 'w') as f:
        f.write('ready\n')
    out = open(log, 'a', buffering=1)
    while True:
        data, frm = s.recvfrom(65535)
        out.write('%s %s\n' % (frm[0], data.decode(errors='replace')))


def hold(proto, addr, port, log):
    out = open(log, 'a', buffering=1)
    num = socket.IPPROTO_SCTP if proto == 'sctp' else socket.IPPROTO_TCP
    s = socket.socket(fam(addr), socket.SOCK_STREAM, num)
    if fam(addr) == socket.AF_INET6:
        # one family per association: no IPv4 address in an INIT
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.settimeout(5)
    try:
        s.connect((addr, int(port)))
        out.write('port %d\n' % s.getsockname()[1])
        n = 0
        while True:
            n += 1
            s.sendall(b'hold%d\n' % n)
            got = s.recv(4096)
            if not got:
                raise OSError('closed')
            out.write('ok %d\n' % n)
            time.sleep(0.2)
    except OSError as e:
        out.write('dead %s\n' % e)
    return 1


def sctp_echo(addr, port, ready):
    s = socket.socket(fam(addr), socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    if fam(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(16)
    with open(ready, 'w') as f:
        f.write('ready\n')
    conns = [s]
    while True:
        r, _, _ = select.select(conns, [], [])
        for c in r:
            if c is s:
                # never wait on one association: a full one drops an echo
                conns.append(s.accept()[0])
                conns[-1].setblocking(False)
                continue
            try:
                data = c.recv(4096)
            except OSError:
                data = b''
            if not data:
                conns.remove(c)
                c.close()
                continue
            try:
                c.send(data)
            except BlockingIOError:
                pass


def main():
    cmds = {
        'ttl-serve': ttl_serve,
        'ttl-send': ttl_send,
        'sctp-watch': sctp_watch,
        'sctp-send': sctp_send,
        'sctp-data': sctp_data,
        'big-df': big_df,
        'spoof': spoof,
        'udp-listen': udp_listen,
        'hold': hold,
        'sctp-echo': sctp_echo,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print('usage: hardening.py %s ...' % '|'.join(cmds), file=sys.stderr)
        return 2
    return cmds[sys.argv[1]](*sys.argv[2:]) or 0


if __name__ == '__main__':
    sys.exit(main())
