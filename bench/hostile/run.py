#!/usr/bin/env python3
"""
Hostile load against a real civicgrid server on loopback, and what the
people it serves see meanwhile.

  bench/hostile/run.py [--bin ./civicgrid] [--idle 2000] [--clients 1000]

Phases, each measured by a well-behaved reader (GET a case, as a signed-in
dispatcher, from 127.0.0.1) at the same time:

  quiet       nothing else: the reader's own figures
  slowloris   IDLE connections from 127.0.0.2-127.0.0.9 that send a header
              line every 10 s and never finish their request
  crowd       CLIENTS concurrent clients from 127.0.0.10-127.0.0.41, each
              with its own connection, reading the category list
  oversized   a 100 KB header, a 50 MB body announced, a 50 MB body sent
              chunked: how each is answered
  sign-ins    200 sign-ins at once from 40 threads: 201s, 429s

Prints a table and writes it to bench/results/hostile.md with the machine.
The attackers use other loopback addresses than the reader, as real ones
come from other hosts: the server's per-address connection limit is part
of the defence being measured.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kb(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Reader(threading.Thread):
    """A dispatcher reading cases one after the other while a phase runs."""

    def __init__(self, url, token, ids, fresh=False):
        super().__init__(daemon=True)
        self.url, self.token, self.ids, self.fresh = url, token, ids, fresh
        self.lat, self.errors, self.stop = [], 0, threading.Event()

    def run(self):
        s = requests.Session()
        i = 0
        if self.fresh:  # a newcomer: a new connection for every request
            s.headers["Connection"] = "close"
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                r = s.get(self.url + "/api/v1/cases/%d" % self.ids[i % len(
                    self.ids)], headers={"Authorization": "Bearer " +
                                         self.token}, timeout=10)
                ok = r.status_code == 200
            except requests.RequestException:
                ok = False
            dt = (time.perf_counter() - t0) * 1000
            if ok:
                self.lat.append(dt)
            else:
                self.errors += 1
            i += 1
            time.sleep(0.01)

    def figures(self):
        return (len(self.lat), self.errors, pct(self.lat, 50),
                pct(self.lat, 99))


def slowloris(port, n, hold_s):
    socks, refused = [], 0
    for i in range(n):
        src = "127.0.0.%d" % (2 + i % 8)
        s = socket.socket()
        s.settimeout(2)
        try:
            s.bind((src, 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            refused += 1
            s.close()
    end = time.time() + hold_s
    while time.time() < end:
        time.sleep(min(10, max(0.1, end - time.time())))
        for s in socks:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
    # A connection the server closed reads as the end (b"") or an error;
    # one it still holds has nothing to read.
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            alive += s.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    for s in socks:
        s.close()
    return n - refused, refused, alive


def crowd(port, n):
    ok, failed, lat = 0, 0, []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def one(i):
        nonlocal ok, failed
        src = "127.0.0.%d" % (10 + i % 32)
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30,
                                         source_address=(src, 0))
        except OSError:
            with lock:
                failed += 1
            return
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        t0 = time.perf_counter()
        try:
            s.sendall(b"GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            good = data.startswith(b"HTTP/1.1 200")
        except OSError:
            good = False
        s.close()
        with lock:
            if good:
                ok += 1
                lat.append((time.perf_counter() - t0) * 1000)
            else:
                failed += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, failed, pct(lat, 50), pct(lat, 99)


def raw(port, payload, read_s=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=read_s,
                                 source_address=("127.0.0.20", 0))
    t0 = time.perf_counter()
    try:
        s.sendall(payload)
    except OSError:
        pass
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    dt = (time.perf_counter() - t0) * 1000
    s.close()
    line = data.split(b"\r\n", 1)[0].decode("latin-1") or "(closed)"
    return line, dt


def oversized(port):
    out = []
    big_header = (b"GET /api/v1/categories HTTP/1.1\r\nHost: x\r\nX-Big: " +
                  b"a" * 100000 + b"\r\n\r\n")
    out.append(("a 100 KB header",) + raw(port, big_header))
    announced = (b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: "
                 b"application/json\r\nContent-Length: 52428800\r\n\r\n{")
    out.append(("50 MB body announced",) + raw(port, announced))
    chunked = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
               b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=("127.0.0.21", 0))
    t0 = time.perf_counter()
    s.sendall(chunked)
    sent, line = 0, "(closed)"
    block = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    try:
        while sent < 50 * 1024 * 1024:
            s.sendall(block)
            sent += 65536
    except OSError:
        pass
    try:
        data = s.recv(4096)
        line = data.split(b"\r\n", 1)[0].decode("latin-1") or line
    except OSError:
        pass
    s.close()
    out.append(("50 MB body sent chunked (%d KB taken)" % (sent // 1024),
                line, (time.perf_counter() - t0) * 1000))
    return out


def signins(url, n):
    def one(_):
        try:
            return requests.post(url + "/api/v1/session",
                                 json={"username": "resident1",
                                       "password": "civicgrid-demo"},
                                 timeout=60).status_code
        except requests.RequestException:
            return 0
    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(one, range(n)))
    return {c: codes.count(c) for c in sorted(set(codes))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "civicgrid"))
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--hold", type=int, default=20,
                    help="seconds the slow connections are held")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results",
                                                  "hostile.md"))
    args = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    tmp = tempfile.mkdtemp(prefix="civicgrid-hostile-")
    db, blobs = os.path.join(tmp, "c.db"), os.path.join(tmp, "blobs")
    subprocess.run([args.bin, "demo", "--db", db, "--blob-dir", blobs],
                   check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    log = open(os.path.join(tmp, "serve.log"), "w")
    srv = subprocess.Popen([args.bin, "serve", "--db", db, "--blob-dir", blobs,
                            "--listen", "127.0.0.1:%d" % port], cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT,
                           preexec_fn=lambda: resource.setrlimit(
                               resource.RLIMIT_NOFILE, (hard, hard)))
    for _ in range(100):
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    token = requests.post(url + "/api/v1/session", json={
        "username": "dispatcher", "password": "civicgrid-demo"},
        timeout=30).json()["token"]
    ids = [c["id"] for c in requests.get(
        url + "/api/v1/cases", params={"per_page": 50},
        headers={"Authorization": "Bearer " + token},
        timeout=30).json()["items"]]
    rows = []

    def phase(name, work):
        reader = Reader(url, token, ids)
        newcomer = Reader(url, token, ids, fresh=True)
        reader.start()
        newcomer.start()
        t0 = time.time()
        detail = work()
        for r in (reader, newcomer):
            r.stop.set()
            r.join()
        n, err, p50, p99 = reader.figures()
        m, err2, q50, q99 = newcomer.figures()
        rows.append((name, detail, n, err, p50, p99, m, err2, q50, q99,
                     rss_kb(srv.pid) // 1024))
        print("%-10s %-55s kept %4d/%d p50 %6.1f p99 %7.1f | new %4d/%d "
              "p50 %6.1f p99 %7.1f ms | rss %d MB"
              % (name, detail, n, err, p50, p99, m, err2, q50, q99,
                 rss_kb(srv.pid) // 1024), flush=True)

    phase("quiet", lambda: (time.sleep(5), "nothing else")[1])
    phase("slowloris", lambda: "%d opened, %d refused, %d still open at the "
          "end" % slowloris(port, args.idle, args.hold))
    phase("crowd", lambda: "%d answered 200, %d failed; p50 %.0f ms, p99 "
          "%.0f ms" % crowd(port, args.clients))
    over = []
    phase("oversized", lambda: (over.extend(oversized(port)),
                                "see below")[1])
    phase("sign-ins", lambda: "answers %s" % json.dumps(signins(url, 200)))
    hwm = rss_kb(srv.pid, "VmHWM") // 1024
    srv.terminate()
    srv.wait(timeout=30)
    log.close()
    shutil.rmtree(tmp, ignore_errors=True)

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = [l.split(":", 1)[1].strip() for l in f
                   if l.startswith("model name")][0]
    except (OSError, IndexError):
        pass
    with open(args.out, "w") as f:
        f.write("# Hostile load\n\nGenerated by `bench/hostile/run.py` on "
                "%s.\n\n- Machine: %s, %d CPUs, %s\n- Server: `civicgrid "
                "serve` with its defaults (4 threads, 16 writers, at most 1,000 "
                "connections, 64 per address, 30 s idle timeout)\n- The "
                "readers: a dispatcher reading cases from 127.0.0.1, one "
                "after another, during each phase\n\n"
                % (datetime.date.today(), cpu, os.cpu_count(),
                   platform.system()))
        f.write("Two readers read cases during each phase: one on a kept "
                "connection (a user already there), one opening a new "
                "connection for every request (a newcomer).\n\n"
                "| phase | what the attack got | kept: ok / failed | kept "
                "p50 / p99 | new: ok / failed | new p50 / p99 | server RSS "
                "|\n|---|---|---|---|---|---|---|\n")
        for name, detail, n, err, p50, p99, m, err2, q50, q99, rss in rows:
            f.write("| %s | %s | %d / %d | %.1f / %.1f ms | %d / %d | %.1f /"
                    " %.1f ms | %d MB |\n" % (name, detail, n, err, p50, p99,
                                              m, err2, q50, q99, rss))
        f.write("\nOversized requests, each from its own connection:\n\n"
                "| request | first line of the answer | time |\n"
                "|---|---|---|\n")
        for what, line, ms in over:
            f.write("| %s | `%s` | %.0f ms |\n" % (what, line, ms))
        f.write("\nServer peak memory (VmHWM) over the whole run: %d MB.\n"
                % hwm)
    print("peak RSS %d MB; written to %s" % (hwm, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
