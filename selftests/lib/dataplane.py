# SPDX-License-Identifier: GPL-2.0
#
# dataplane.py: server and clients of the data-plane tests (python3, the
# standard library only). One process serves or makes hundreds of
# connections: under TCG a process start costs ~0.1 s (python ~0.4 s).
#
#   serve NAME READYFILE PORT...  TCP and UDP, dual-stack, on every PORT:
#                                 each line (TCP) or datagram (UDP) comes
#                                 back as "NAME:<line>"; UDP replies leave
#                                 from the address the datagram was sent to
#                                 (a tun VIP on lo). READYFILE is created
#                                 once it listens.
#   flows tcp|udp SRC SPORT COUNT DST PORT [CONC [TIMEOUT]]
#                                 COUNT flows from SRC, source ports SPORT,
#                                 SPORT+1, ..., CONC at a time (16): connect,
#                                 send "flow SPORT", check the answer; a line
#                                 "SPORT NAME" or "SPORT FAIL why" per flow.
#                                 TIMEOUT (5 s) per step. DP_FLOWS_RST=1:
#                                 close with a reset (no TIME_WAIT).
#   stream SRC SPORT COUNT DST PORT DIR
#                                 COUNT TCP streams (source ports SPORT...)
#                                 each sending a numbered line every 100 ms
#                                 and checking every echo (content, order,
#                                 same server), until DIR/stop exists; then
#                                 waits for the last echoes. DIR/ready gets
#                                 "SPORT NAME" per stream once each had an
#                                 echo (or failed: NAME "-"), DIR/progress
#                                 the echoes so far. Prints a JSON summary
#                                 per stream; exit 0 if no stream failed
#                                 (reset, closed, wrong or no echo for 60 s).
import asyncio
import errno
import json
import os
import selectors
import socket
import struct
import sys
import time


# DP_FLOWS_RST=1: "flows" ends its TCP flows with a reset, leaving no
# TIME_WAIT behind: a probe whose source ports a stream reuses at once.
RST_CLOSE = os.environ.get('DP_FLOWS_RST') == '1'


def fam(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def why(e):
    if isinstance(e, asyncio.TimeoutError):
        return 'timeout'
    if getattr(e, 'errno', None) in errno.errorcode:
        return errno.errorcode[e.errno]
    return type(e).__name__


async def serve(name, ready, ports):
    pre = name.encode() + b':'

    async def handle(r, w):
        try:
            while True:
                line = await r.readline()
                if not line:
                    break
                w.write(pre + line)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        w.close()

    loop = asyncio.get_running_loop()
    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', port))
        s.listen(1024)
        await asyncio.start_server(handle, sock=s)

        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        u.bind(('::', port))
        u.setblocking(False)
        loop.add_reader(u.fileno(), udp_reply, u, pre)
    open(ready, 'w').close()
    await asyncio.Event().wait()


def udp_reply(u, pre):
    """Answer every datagram waiting on u with pre + it, from the address
    it came to (lb_restart.py's echo servers use it too)."""
    while True:
        try:
            data, anc, _, peer = u.recvmsg(65535, socket.CMSG_SPACE(20))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            continue
        cmsg = []
        for level, typ, val in anc:
            if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                # reply from the address it came to, any interface
                cmsg = [(level, typ, val[:16] + struct.pack('@I', 0))]
        try:
            u.sendmsg([pre + data], cmsg, 0, peer)
        except OSError:
            pass


async def tcp_flow(sem, src, sport, dst, port, timeout):
    msg = 'flow %d\n' % sport
    async with sem:
        w = None
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                dst, port, local_addr=(src, sport)), timeout)
            w.write(msg.encode())
            line = (await asyncio.wait_for(r.readline(), timeout)).decode()
        except (OSError, asyncio.TimeoutError) as e:
            return 'FAIL %s' % why(e)
        finally:
            if w:
                if RST_CLOSE:
                    w.get_extra_info('socket').setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack('ii', 1, 0))
                w.close()
        name, _, rest = line.partition(':')
        if rest != msg:
            return 'FAIL bad-reply %r' % line
        return name


async def tcp_flows(src, sport, count, dst, port, conc, timeout):
    sem = asyncio.Semaphore(conc)
    res = await asyncio.gather(*[tcp_flow(sem, src, sport + i, dst, port,
                                          timeout) for i in range(count)])
    for i, r in enumerate(res):
        print(sport + i, r)


def udp_flows(src, sport, count, dst, port, conc, timeout):
    res = {}
    for base in range(0, count, conc):
        sel = selectors.DefaultSelector()
        for i in range(base, min(base + conc, count)):
            s = socket.socket(fam(dst), socket.SOCK_DGRAM)
            s.bind((src, sport + i))
            s.connect((dst, port))
            s.setblocking(False)
            try:
                s.send(b'flow %d\n' % (sport + i))
            except OSError as e:
                res[sport + i] = 'FAIL %s' % why(e)
                s.close()
                continue
            sel.register(s, selectors.EVENT_READ, sport + i)
        end = time.monotonic() + timeout
        while sel.get_map() and time.monotonic() < end:
            for key, _ in sel.select(max(0.0, end - time.monotonic())):
                p = key.data
                try:
                    line = key.fileobj.recv(65535).decode()
                    name, _, rest = line.partition(':')
                    res[p] = name if rest == 'flow %d\n' % p else \
                        'FAIL bad-reply %r' % line
                except OSError as e:
                    res[p] = 'FAIL %s' % why(e)
                sel.unregister(key.fileobj)
                key.fileobj.close()
        for key in list(sel.get_map().values()):
            res[key.data] = 'FAIL timeout'
            key.fileobj.close()
    for i in range(count):
        print(sport + i, res[sport + i])


class Stream:
    def __init__(self, sport):
        self.sport = sport
        self.server = None
        self.sent = 0
        self.echoed = 0
        self.error = None
        self.max_gap_ms = 0

    def summary(self):
        return {'sport': self.sport, 'server': self.server, 'sent': self.sent,
                'echoed': self.echoed, 'max_gap_ms': self.max_gap_ms,
                'error': self.error}


async def stream_one(st, src, dst, port, stop, timeout=60, interval=0.1):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(
            dst, port, local_addr=(src, st.sport)), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        st.error = 'connect: %s' % why(e)
        return

    async def sender():
        try:
            while not stop.is_set() and st.error is None:
                w.write(b'%d %d\n' % (st.sport, st.sent))
                st.sent += 1
                await w.drain()
                await asyncio.sleep(interval)
        except OSError:
            pass    # the reader sees it too

    snd = asyncio.ensure_future(sender())
    last = time.monotonic()
    stopped = None
    try:
        while not (stop.is_set() and snd.done() and st.echoed == st.sent):
            try:
                line = await asyncio.wait_for(r.readline(), 0.5)
            except asyncio.TimeoutError:
                now = time.monotonic()
                if stop.is_set():
                    # stopped: the last echoes get 10 s more at most
                    stopped = stopped or now
                    if now - max(last, stopped) > min(timeout, 10):
                        st.error = 'missing echoes %d..%d at the end' % (
                            st.echoed, st.sent - 1)
                        break
                elif now - last > timeout:
                    st.error = 'no echo for %d s' % timeout
                    break
                continue
            if not line:
                st.error = 'closed by the other side after %d echoes' % \
                    st.echoed
                break
            now = time.monotonic()
            st.max_gap_ms = max(st.max_gap_ms, int((now - last) * 1000))
            last = now
            name, _, rest = line.decode().partition(':')
            if rest != '%d %d\n' % (st.sport, st.echoed):
                st.error = 'echo %d: got %r' % (st.echoed, line)
                break
            if st.server is None:
                st.server = name
            elif name != st.server:
                st.error = 'echo %d from %s, earlier ones from %s' % (
                    st.echoed, name, st.server)
                break
            st.echoed += 1
    except OSError as e:
        st.error = '%s after %d echoes' % (why(e), st.echoed)
    snd.cancel()
    w.close()


async def streams(src, sport, count, dst, port, d):
    stop = asyncio.Event()
    sts = [Stream(sport + i) for i in range(count)]
    tasks = [asyncio.ensure_future(stream_one(s, src, dst, port, stop))
             for s in sts]
    ready = False
    while not all(t.done() for t in tasks):
        if not stop.is_set() and os.path.exists(os.path.join(d, 'stop')):
            stop.set()
        if not ready and all(s.server or s.error for s in sts):
            write(d, 'ready', ''.join('%d %s\n' % (s.sport, s.server or '-')
                                      for s in sts))
            ready = True
        write(d, 'progress', '%d\n' % sum(s.echoed for s in sts))
        await asyncio.sleep(0.1)
    for s in sts:
        print(json.dumps(s.summary()))
    return all(s.error is None for s in sts)


def write(d, name, text):
    tmp = os.path.join(d, '.' + name)
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, os.path.join(d, name))


def main(a):
    cmd = a[0]
    if cmd == 'serve':
        asyncio.run(serve(a[1], a[2], [int(p) for p in a[3:]]))
    elif cmd == 'flows':
        proto, src, sport, count, dst, port = a[1:7]
        conc = int(a[7]) if len(a) > 7 else 16
        timeout = float(a[8]) if len(a) > 8 else 5
        if proto == 'tcp':
            asyncio.run(tcp_flows(src, int(sport), int(count), dst,
                                  int(port), conc, timeout))
        else:
            udp_flows(src, int(sport), int(count), dst, int(port), conc,
                      timeout)
    elif cmd == 'stream':
        src, sport, count, dst, port, d = a[1:7]
        ok = asyncio.run(streams(src, int(sport), int(count), dst, int(port),
                                 d))
        sys.exit(0 if ok else 1)
    else:
        sys.exit('dp.py: unknown command %s' % cmd)


if __name__ == '__main__':
    main(sys.argv[1:])
