#!/usr/bin/python3
"""
Crash test: nothing the server acknowledged is lost when it is killed.

A fresh demo database is served by `civicgrid serve`; client threads act
as the demo's residents and staff (reports, some with photos, and every
step of the lifecycle the case's `allowed_actions` offer), each write with
an Idempotency-Key.  Meanwhile the server is killed with SIGKILL at random
moments and started again on the same files; the clients retry what was
not answered with the same key and the same bytes, as a real client does.
At the end, with the server stopped, the SQLite file itself is checked:

  - every acknowledged write is there (the case, the action's event, the
    photo and its file);
  - nothing is half there: every case has its history from its creation
    event on, every event its case, and each case's row (state, version,
    unit, deadline, rating, closing time, flags) equals the replay of its
    events in order;
  - no retry created a second case or event, a retried write that the
    server refused is not in the database, and a write re-sent after it
    was acknowledged got the same answer as the first time;
  - PRAGMA integrity_check and foreign_key_check are clean.

Environment:
  CRASHTEST_SEED     the seed of every random choice (default: from the
                     clock; printed either way)
  CRASHTEST_KILLS    how many times the server is killed (default 20)
  CRASHTEST_THREADS  client threads (default 10)
  CIVICGRID_BIN      the binary (default ./civicgrid)
  CRASHTEST_KEEP=1   keep the temporary directory (kept anyway on failure)

Exit status 0 when nothing was lost; 1 otherwise; 2 when the test could
not run.  The summary is appended to bench/results/crashtest.md.

`scripts/crashtest.py --check DIR` checks an existing run directory again
(its civicgrid.db, blobs/ and journal.jsonl).
"""
import datetime
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PASSWORD = "civicgrid-demo"
RESULTS = os.path.join(ROOT, "bench", "results", "crashtest.md")

REPORTERS = ("resident1", "resident2", "gridworker")
STAFF = ("dispatcher", "supervisor", "community", "sanitation", "landscape",
         "hm-supervisor", "admin")

# How often each offered action is picked: the main path forward weighs
# most so that cases travel the whole lifecycle; the side roads are taken
# often enough that every kind of event is written around the kills.
WEIGHTS = {
    "accept": 6, "dispatch": 6, "sign": 6, "handle": 6, "close": 6,
    "rate": 4, "reopen": 2, "rework": 1.5, "return": 0.7, "extend": 1,
    "approve_extension": 2, "deny_extension": 1, "suspend": 0.6,
    "resume": 3, "escalate": 0.25, "reject": 0.5, "withdraw": 0.15,
    "merge": 0.4,
}
# The weight of leaving a case as it is, so that an action that is the
# only one offered (a resident's withdraw, a supervisor's escalate) is
# still taken only now and then.
PASS = 2.0
TERMINAL = {"rejected", "withdrawn", "merged"}

TEXTS = [
    "楼道里堆满杂物，影响通行，存在消防隐患",
    "小区门口垃圾堆积好几天没人清理，气味很大",
    "路灯不亮，晚上出行很不方便",
    "绿化带里的树木倒伏，挡住了人行道",
    "单元门口的地砖破损翘起，老人容易绊倒",
    "垃圾箱满了溢出来，周边很脏",
    "占道经营的摊位堵住了消防通道",
    "小区里有人私搭乱建，占用公共绿地",
]


def binary():
    b = os.environ.get("CIVICGRID_BIN", os.path.join(ROOT, "civicgrid"))
    return b if os.path.isabs(b) else os.path.join(ROOT, b)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png_bytes(rgb, w=16, h=12):
    """A valid RGB PNG of one colour; each colour is another photo."""
    def chunk(kind, data):
        c = kind + data
        return (struct.pack(">I", len(data)) + c +
                struct.pack(">I", zlib.crc32(c) & 0xffffffff))
    row = b"\0" + bytes(rgb) * w
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b""))


def multipart(fields, files):
    """A multipart/form-data body built once, so that a retry resends the
    very same bytes (the same boundary)."""
    boundary = "crashtest%s" % os.urandom(8).hex()
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n" % (boundary, name)).encode() +
                   value.encode() + b"\r\n")
    for name, fname, data, ctype in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                    % (boundary, name, fname, ctype)).encode() +
                   data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


# ---- the server -------------------------------------------------------------

class Server:
    """One `civicgrid serve` on a fixed port, killed and started again."""

    def __init__(self, exe, tmp, db, blobs, port):
        self.exe, self.tmp, self.db, self.blobs = exe, tmp, db, blobs
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.proc = None
        self.starts = 0
        self.up = threading.Event()

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.tmp, "serve-%02d.log" % self.starts),
                   "w")
        self.proc = subprocess.Popen(
            [self.exe, "serve", "--db", self.db, "--blob-dir", self.blobs,
             "--listen", "127.0.0.1:%d" % self.port], cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("civicgrid serve exited with %s at start "
                                   "%d; see %s" % (self.proc.returncode,
                                                   self.starts, log.name))
            try:
                r = requests.get(self.url + "/healthz", timeout=1)
                if r.status_code == 200:
                    self.up.set()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("civicgrid serve did not answer /healthz in 30 s")

    def kill(self):
        self.up.clear()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """SIGTERM, as an operator stops it; returns the exit status."""
        self.up.clear()
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "hung"


# ---- the client-side journal ------------------------------------------------

class Journal:
    """Every write as the client saw it, one JSON line each, and the
    counts for the summary."""

    def __init__(self, path):
        self.f = open(path, "w")
        self.lock = threading.Lock()
        self.n = dict(acked=0, unacked_sent=0, retried=0, replayed=0,
                      refused=0, refused_after_unack=0, server_errors=0,
                      reasks=0, reask_mismatch=0, not_sent=0,
                      sign_ins=0, lost_sessions=0)
        self.problems = []

    def write(self, rec):
        with self.lock:
            self.f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            self.f.flush()

    def count(self, what, k=1):
        with self.lock:
            self.n[what] += k

    def close(self):
        self.f.close()


class Stop(Exception):
    pass


# ---- one client thread ------------------------------------------------------

class Client(threading.Thread):
    def __init__(self, ctx, user, idx, rng):
        super().__init__(name="client-%s" % user, daemon=True)
        self.ctx, self.user, self.idx, self.rng = ctx, user, idx, rng
        self.http = requests.Session()
        self.token = None
        self.n = 0
        self.last_ack = None
        self.seen_start = 0
        self.error = None

    # -- transport

    def wait_up(self):
        while not self.ctx.server.up.wait(0.2):
            if self.ctx.abort.is_set():
                raise Stop()

    def headers(self, extra=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(extra or {})
        return h

    def get(self, path, **kw):
        """A read; retried until the server answers."""
        while True:
            self.wait_up()
            try:
                r = self.http.get(self.ctx.server.url + path,
                                  headers=self.headers(), timeout=30, **kw)
            except requests.RequestException:
                time.sleep(0.05)
                continue
            if r.status_code == 401:
                self.session_lost(path)
                continue
            return r

    def session_lost(self, path):
        """A sign-in the server acknowledged no longer works: a lost
        write.  Signs in again so that the run goes on."""
        self.ctx.journal.count("lost_sessions")
        with self.ctx.journal.lock:
            self.ctx.journal.problems.append(
                "%s: the session of %s was lost (401 on %s)"
                % (self.token_key, self.user, path))
        self.sign_in()

    def sign_in(self):
        while True:
            self.wait_up()
            try:
                r = self.http.post(self.ctx.server.url + "/api/v1/session",
                                   json={"username": self.user,
                                         "password": PASSWORD}, timeout=30)
            except requests.RequestException:
                time.sleep(0.05)
                continue
            if r.status_code == 201:
                self.token = r.json()["token"]
                self.token_key = "sign-in %d of %s" % (
                    self.ctx.journal.n["sign_ins"], self.user)
                self.ctx.journal.count("sign_ins")
                return
            raise RuntimeError("sign-in of %s: %d %s"
                               % (self.user, r.status_code, r.text[:200]))

    def new_key(self):
        self.n += 1
        return "ct-%d-%d-%d" % (self.ctx.seed, self.idx, self.n)

    def send(self, rec, path, body, ctype, idem=True):
        """Sends one write until the server answers it: a connection reset
        or a timeout after the request went out is an unacknowledged write,
        retried with the same key and bytes once the server is back.
        Returns the response; rec is filled in and journalled."""
        rec.update(user=self.user, path=path, attempts=0, unacked=0)
        h = {"Content-Type": ctype}
        if idem:
            h["Idempotency-Key"] = rec["key"]
        while True:
            self.wait_up()
            rec["attempts"] += 1
            if rec["unacked"]:
                self.ctx.journal.count("retried")
            start = self.ctx.server.starts
            try:
                r = self.http.post(self.ctx.server.url + path, data=body,
                                   headers=self.headers(h), timeout=(3, 30))
            except requests.ConnectTimeout:
                self.ctx.journal.count("not_sent")
                rec["attempts"] -= 1
                continue
            except requests.ConnectionError as e:
                if "NewConnectionError" in repr(e) or \
                        "Connection refused" in repr(e):
                    # Nothing reached a server: not a sent write.
                    self.ctx.journal.count("not_sent")
                    rec["attempts"] -= 1
                    time.sleep(0.05)
                    continue
                rec["unacked"] += 1
                self.ctx.journal.count("unacked_sent")
                self.ctx.journal.write(dict(rec, outcome="unacked",
                                            error=type(e).__name__,
                                            server_start=start))
                time.sleep(0.05)
                continue
            except requests.Timeout as e:
                rec["unacked"] += 1
                self.ctx.journal.count("unacked_sent")
                self.ctx.journal.write(dict(rec, outcome="unacked",
                                            error=type(e).__name__,
                                            server_start=start))
                continue
            if r.status_code == 401:
                self.session_lost(path)
                rec["attempts"] -= 1
                continue
            if r.status_code >= 500:
                # An answer, but not an acknowledgement: the write must
                # not be there; retried like a lost one.
                self.ctx.journal.count("server_errors")
                self.ctx.journal.write(dict(rec, outcome="server_error",
                                            status=r.status_code,
                                            body=r.text[:300]))
                rec["unacked"] += 1
                time.sleep(0.2)
                if rec["attempts"] > 50:
                    raise RuntimeError("%s: %d answers of 5xx for %s"
                                       % (self.user, rec["attempts"], path))
                continue
            if r.status_code == 409 and rec["unacked"] and \
                    rec["kind"] == "create" and \
                    '"conflict"' in r.text:
                # The first attempt is still being handled by a server
                # that did not die: ask again until it is settled.
                time.sleep(0.2)
                continue
            return r

    def finish(self, rec, r):
        """Journals the answer to a write that was answered."""
        rec["status"] = r.status_code
        try:
            body = r.json()
        except ValueError:
            body = {}
        if 200 <= r.status_code < 300:
            rec["outcome"] = "ack"
            rec["replayed"] = bool(body.get("replayed"))
            self.ctx.journal.count("acked")
            if rec["replayed"]:
                self.ctx.journal.count("replayed")
        else:
            rec["outcome"] = "refused"
            rec["error"] = (body.get("error") or {}).get("code")
            self.ctx.journal.count("refused")
            if rec["unacked"]:
                self.ctx.journal.count("refused_after_unack")
        return body

    # -- the writes

    def upload_photo(self):
        """POST /api/v1/photos; a photo is known by its hash, so a retry
        needs no key.  Returns the hash or None."""
        rgb = tuple(self.rng.randrange(256) for _ in range(3))
        key = self.new_key()
        body, ctype = multipart([], [("photo", "p.png", png_bytes(rgb),
                                      "image/png")])
        rec = dict(key=key, kind="photo")
        r = self.send(rec, "/api/v1/photos", body, ctype, idem=False)
        b = self.finish(rec, r)
        if rec["outcome"] == "ack":
            rec["hash"] = b["hash"]
        self.ctx.journal.write(rec)
        return rec.get("hash")

    def report(self):
        ctx, rng = self.ctx, self.rng
        key = self.new_key()
        tag = "[%s]" % key
        text = rng.choice(TEXTS)
        fields = {"description": "%s %s" % (text, tag)}
        self_handle = self.user == "gridworker" and rng.random() < 0.2
        # A quarter of the reports leave the category to the classifier.
        if self_handle or rng.random() >= 0.25:
            fields["category"] = rng.choice(ctx.categories)
        if rng.random() < 0.5 or ctx.point[0] is None:
            fields["area"] = ctx.grid
        else:
            fields["lon"], fields["lat"] = ctx.point
        if self_handle:
            fields["self_handle"] = True
            fields["note"] = "现场处置 " + tag
        photos, inline = [], None
        mode = rng.random()
        if self_handle or mode < 0.3:
            h = self.upload_photo()
            if h:
                photos.append(h)
        elif mode < 0.5:
            inline = png_bytes(tuple(rng.randrange(256) for _ in range(3)))
        rec = dict(key=key, kind="create", self_handle=self_handle)
        if inline is not None:
            form = [(k, "true" if v is True else str(v))
                    for k, v in fields.items()]
            body, ctype = multipart(form, [("photo", "p.png", inline,
                                            "image/png")])
            rec["inline_photo"] = True
        else:
            if photos:
                fields["photos"] = photos
            body = json.dumps(fields, ensure_ascii=False).encode()
            ctype = "application/json"
        rec["photos"] = photos
        r = self.send(rec, "/api/v1/cases", body, ctype)
        b = self.finish(rec, r)
        if rec["outcome"] == "ack":
            rec["case_id"] = b["id"]
            rec["version"] = b.get("version")
            rec["state"] = b.get("state")
            # What the answer says the report carries, inline photos
            # included.
            got = [p.get("hash") for e in b.get("events", ())
                   if e.get("seq") == 1 for p in e.get("photos", ())]
            rec["photos"] = sorted(set(photos) | set(h for h in got if h))
            ctx.add_case(b["id"], b.get("state"), self.user)
        self.ctx.journal.write(rec)
        self.remember(rec, path="/api/v1/cases", body=body, ctype=ctype)

    def act(self, cid):
        """Reads case cid as this user and takes one of the actions it
        offers, with the version read.  Returns False when there was
        nothing to do."""
        ctx, rng = self.ctx, self.rng
        r = self.get("/api/v1/cases/%d" % cid)
        if r.status_code != 200:
            return False
        c = r.json()
        ctx.note_state(cid, c)
        offered = [a["action"] for a in c.get("allowed_actions", ())
                   if a["action"] in WEIGHTS]
        if not offered:
            return False
        action = rng.choices(offered + [None],
                             [WEIGHTS[a] for a in offered] + [PASS])[0]
        if action is None:
            return False
        key = self.new_key()
        tag = "[%s]" % key
        body = {"action": action, "version": c["version"],
                "note": ("%s %s" % (action, tag))}
        if action == "dispatch" and rng.random() < 0.6:
            body["unit"] = rng.choice(ctx.units)
        elif action == "accept" and rng.random() < 0.15:
            body["category"] = rng.choice(ctx.categories)
        elif action == "handle":
            h = self.upload_photo()
            if not h:
                return True
            body["photos"] = [h]
        elif action == "extend":
            body["days"] = rng.randint(1, 5)
        elif action == "rate":
            body["rating"] = rng.choice(
                ["satisfied", "basically_satisfied", "unsatisfied",
                 "unsatisfied"])
        elif action == "merge":
            target = ctx.merge_target(cid, rng)
            if target is None:
                return False
            body["target"] = target
        raw = json.dumps(body, ensure_ascii=False).encode()
        rec = dict(key=key, kind="action", action=action, case_id=cid,
                   version_sent=c["version"], photos=body.get("photos", []))
        path = "/api/v1/cases/%d/actions" % cid
        r = self.send(rec, path, raw, "application/json")
        b = self.finish(rec, r)
        if rec["outcome"] == "ack":
            rec["answer_id"] = b.get("id")
            ev = [e for e in b.get("events", ())
                  if tag in (e.get("note") or "")]
            rec["seq"] = ev[0]["seq"] if ev else None
            rec["state"] = b.get("state")
            if "state" in b:
                ctx.note_state(cid, b)
        self.ctx.journal.write(rec)
        self.remember(rec, path=path, body=raw, ctype="application/json")
        return True

    def remember(self, rec, path, body, ctype):
        if rec.get("outcome") == "ack":
            self.last_ack = (dict(rec), path, body, ctype)

    def reask(self):
        """After a restart, sends the last acknowledged write again with
        its key: the answer must be the first one (same status, same case,
        same event), marked as replayed, and nothing new written."""
        first, path, body, ctype = self.last_ack
        self.last_ack = None
        rec = dict(key=first["key"], kind="reask", of=first["kind"])
        r = self.send(rec, path, body, ctype)
        rec["status"] = r.status_code
        try:
            b = r.json()
        except ValueError:
            b = {}
        problems = []
        if r.status_code != first["status"]:
            problems.append("status %d, first %d" % (r.status_code,
                                                     first["status"]))
        if not b.get("replayed"):
            problems.append("not marked replayed")
        if first["kind"] == "create" and b.get("id") != first["case_id"]:
            problems.append("case %s, first %s" % (b.get("id"),
                                                   first["case_id"]))
        if first["kind"] == "action":
            tag = "[%s]" % first["key"]
            seqs = [e["seq"] for e in b.get("events", ())
                    if tag in (e.get("note") or "")]
            # A case out of the caller's sight is answered by its id alone.
            want = [first["seq"]] if first.get("seq") is not None and \
                "events" in b else seqs
            if b.get("id") != first["case_id"] or seqs != want:
                problems.append("case %s events %s, first case %s event %s"
                                % (b.get("id"), seqs, first["case_id"],
                                   first.get("seq")))
        self.ctx.journal.count("reasks")
        if problems:
            self.ctx.journal.count("reask_mismatch")
            with self.ctx.journal.lock:
                self.ctx.journal.problems.append(
                    "%s sent again answered differently: %s"
                    % (first["key"], "; ".join(problems)))
        rec["problems"] = problems
        self.ctx.journal.write(rec)

    # -- the loop

    def step(self):
        ctx, rng = self.ctx, self.rng
        if self.last_ack and ctx.server.starts != self.seen_start:
            self.reask()
        self.seen_start = ctx.server.starts
        if rng.random() < 0.02:
            # A session is a write too: a new sign-in now and then, so
            # that some are acknowledged just before a kill.
            self.sign_in()
        reporter = self.user in REPORTERS
        if reporter and (rng.random() < 0.45 or not ctx.has_cases()):
            self.report()
            return
        for _ in range(6):
            cid = ctx.pick_case(rng, self.user if reporter else None)
            if cid is None:
                break
            if self.act(cid):
                return
        time.sleep(0.02)

    def run(self):
        try:
            self.sign_in()
            self.seen_start = self.ctx.server.starts
            while not self.ctx.stop.is_set():
                self.step()
        except Stop:
            pass
        except Exception as e:     # reported by the main thread
            self.error = "%s: %r" % (self.user, e)
            self.ctx.abort.set()


# ---- what the clients share -------------------------------------------------

class Context:
    def __init__(self, seed, server, journal):
        self.seed, self.server, self.journal = seed, server, journal
        self.stop = threading.Event()
        self.abort = threading.Event()
        self.lock = threading.Lock()
        self.cases = {}      # id -> [state, rated, reporter]

    def add_case(self, cid, state, reporter):
        with self.lock:
            self.cases[cid] = [state, False, reporter]

    def note_state(self, cid, c):
        with self.lock:
            if cid in self.cases:
                self.cases[cid][0] = c.get("state")
                self.cases[cid][1] = c.get("rating") is not None

    def has_cases(self):
        with self.lock:
            return bool(self.cases)

    def pick_case(self, rng, reporter=None):
        """A case of the test that can still change; a reporter mostly
        picks its own."""
        with self.lock:
            live = [cid for cid, (st, rated, who) in self.cases.items()
                    if st not in TERMINAL and not (st == "closed" and rated
                                                   and rng.random() < 0.9)]
            if reporter and rng.random() < 0.7:
                mine = [cid for cid in live
                        if self.cases[cid][2] == reporter]
                live = mine or live
        return rng.choice(live) if live else None

    def merge_target(self, cid, rng):
        with self.lock:
            ok = [c for c, (st, _, _) in self.cases.items()
                  if c != cid and st in ("filed", "dispatched", "handling")]
        return rng.choice(ok) if ok else None


def setup_city(url):
    """What the clients need to know of the demo city, read through the
    API: the grid worker's grid and a point in it, categories, units."""
    def token(user):
        r = requests.post(url + "/api/v1/session",
                          json={"username": user, "password": PASSWORD},
                          timeout=30)
        r.raise_for_status()
        return {"Authorization": "Bearer " + r.json()["token"]}
    gw = requests.get(url + "/api/v1/me", headers=token("gridworker"),
                      timeout=30).json()
    grid = gw["area"]["code"]
    units = [requests.get(url + "/api/v1/me", headers=token(u),
                          timeout=30).json()["unit"]["code"]
             for u in ("community", "sanitation", "landscape")]
    tree = requests.get(url + "/api/v1/categories", headers=token("admin"),
                        timeout=30).json()["items"]
    small = [k for b in tree for k in b["children"]]
    owned = [k["code"] for k in small if k.get("unit") in units]
    others = [k["code"] for k in small if k.get("unit") not in units]
    categories = owned + others[:max(4, len(owned))]
    gj = requests.get(url + "/api/v1/areas/geojson",
                      params={"level": "grid", "within": grid},
                      headers=token("admin"), timeout=30).json()
    point = None
    for f in gj.get("features", ()):
        if f.get("properties", {}).get("code") == grid:
            ring = f["geometry"]["coordinates"][0]
            if f["geometry"]["type"] == "MultiPolygon":
                ring = ring[0]
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            point = (sum(xs) / len(xs), sum(ys) / len(ys))
    if point is None:
        raise RuntimeError("no geometry for grid %s" % grid)
    r = requests.get(url + "/api/v1/areas/locate",
                     params={"lon": point[0], "lat": point[1]},
                     headers=token("admin"), timeout=30)
    if r.status_code != 200:
        point = None
    return grid, point, units, categories


# ---- the check of the database ----------------------------------------------

def check(db_path, blobs, journal_path):
    """Reads the database after the run; returns a dict of the figures
    and a list of problems (empty when all is well)."""
    problems = []
    recs = []
    with open(journal_path) as f:
        for line in f:
            recs.append(json.loads(line))
    con = sqlite3.connect(db_path, timeout=30)
    con.row_factory = sqlite3.Row
    q = con.execute

    out = dict(lost=0, half=0, mismatch=0, dup=0, idem=0)

    integrity = [r[0] for r in q("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.append("integrity_check: %s" % integrity[:5])
        out["half"] += 1
    fk = q("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append("foreign_key_check: %d rows, first %s"
                        % (len(fk), tuple(fk[0])))
        out["half"] += len(fk)

    # Every key sent is in the database at most once; the final answer of
    # each write says whether it must be there.
    final = {}
    for r in recs:
        if r["kind"] in ("create", "action", "photo") and \
                r["outcome"] in ("ack", "refused"):
            final[r["key"]] = r
    sent = {r["key"] for r in recs if r["kind"] in ("create", "action")}
    by_key_case = {}
    for row in q("SELECT id, description FROM cases"
                 " WHERE description LIKE '%[ct-%'"):
        for k in extract_keys(row["description"]):
            by_key_case.setdefault(k, []).append(row["id"])
    by_key_event = {}
    # A merged case's follow-up event quotes its parent's note.
    for row in q("SELECT id, case_id, seq, action, note FROM events"
                 " WHERE note LIKE '%[ct-%' AND action != 'follow_parent'"):
        for k in extract_keys(row["note"]):
            by_key_event.setdefault(k, []).append(dict(row))

    for k in sent:
        r = final.get(k)
        if r is None:
            problems.append("%s: sent, never answered" % k)
            out["lost"] += 1
            continue
        if r["kind"] == "create":
            have = by_key_case.get(k, [])
            # a grid worker's report carries its key in the note too
            evs = [e for e in by_key_event.get(k, ()) if e["seq"] != 1]
            if len(have) > 1 or evs:
                problems.append("%s: created %d times %s" % (k, len(have),
                                                            have))
                out["dup"] += 1
            if r["outcome"] == "ack":
                if r["case_id"] not in have:
                    problems.append("%s: acknowledged case %s, found %s"
                                    % (k, r["case_id"], have))
                    out["lost"] += 1
                    continue
                first = q("SELECT id, action FROM events WHERE case_id = ?"
                          " AND seq = 1", (r["case_id"],)).fetchone()
                want = "self_handle" if r.get("self_handle") else "submit"
                if first is None or first["action"] != want:
                    problems.append("%s: case %d has no %s event"
                                    % (k, r["case_id"], want))
                    out["lost"] += 1
                    continue
                hashes = {x[0] for x in q(
                    "SELECT hash FROM event_photos WHERE event_id = ?",
                    (first["id"],))}
                need = set(r.get("photos") or ())
                if r.get("inline_photo") and not need:
                    need.add("(the inline photo, not in the answer)")
                if not need <= hashes:
                    problems.append("%s: case %d lacks photos %s"
                                    % (k, r["case_id"], need - hashes))
                    out["lost"] += 1
            elif have:
                problems.append("%s: refused (%s) after %d attempts, yet "
                                "case %s exists" % (k, r.get("error"),
                                                    r["attempts"], have))
                out["idem"] += 1
        else:
            have = by_key_event.get(k, [])
            if len(have) > 1:
                problems.append("%s: %d events %s" % (k, len(have), have))
                out["dup"] += 1
            if r["outcome"] == "ack":
                ok = [e for e in have if e["case_id"] == r["case_id"] and
                      e["action"] == r["action"]]
                if not ok:
                    problems.append("%s: acknowledged %s on case %d is not "
                                    "in events" % (k, r["action"],
                                                   r["case_id"]))
                    out["lost"] += 1
                    continue
                if r.get("seq") is not None and ok[0]["seq"] != r["seq"]:
                    problems.append("%s: acknowledged as event %d, stored "
                                    "as %d" % (k, r["seq"], ok[0]["seq"]))
                    out["lost"] += 1
                for h in r.get("photos") or ():
                    if not q("SELECT 1 FROM event_photos WHERE event_id = ?"
                             " AND hash = ?", (ok[0]["id"], h)).fetchone():
                        problems.append("%s: photo %s of the event is gone"
                                        % (k, h))
                        out["lost"] += 1
            elif have:
                problems.append("%s: refused (%s) after %d attempts, yet "
                                "event %s exists" % (k, r.get("error"),
                                                     r["attempts"], have))
                out["idem"] += 1

    # Acknowledged photos: the row and both files.
    for r in final.values():
        if r["kind"] != "photo" or r["outcome"] != "ack":
            continue
        if not q("SELECT 1 FROM photos WHERE hash = ?",
                 (r["hash"],)).fetchone():
            problems.append("%s: photo %s not in photos" % (r["key"],
                                                            r["hash"]))
            out["lost"] += 1
    for (h,) in q("SELECT hash FROM photos"):
        for suffix in (".jpg", ".thumb.jpg"):
            p = os.path.join(blobs, h[:2], h + suffix)
            if not os.path.isfile(p) or os.path.getsize(p) == 0:
                problems.append("photo %s: file %s missing" % (h, p))
                out["half"] += 1

    # Nothing half there, and every row equals the replay of its events.
    orphans = q("SELECT COUNT(*) FROM events e LEFT JOIN cases c"
                " ON c.id = e.case_id WHERE c.id IS NULL").fetchone()[0]
    orphans += q("SELECT COUNT(*) FROM event_photos p LEFT JOIN events e"
                 " ON e.id = p.event_id WHERE e.id IS NULL").fetchone()[0]
    orphans += q("SELECT COUNT(*) FROM event_photos p LEFT JOIN photos f"
                 " ON f.hash = p.hash WHERE f.hash IS NULL").fetchone()[0]
    orphans += q("SELECT COUNT(*) FROM idempotency i LEFT JOIN cases c"
                 " ON c.id = i.case_id WHERE c.id IS NULL").fetchone()[0]
    if orphans:
        problems.append("%d events, event photos or keys without what they "
                        "belong to" % orphans)
        out["half"] += orphans
    events = {}
    for e in q("SELECT case_id, seq, at, action, from_state, to_state,"
               " unit_id, rating, due_at FROM events ORDER BY case_id, seq"):
        events.setdefault(e["case_id"], []).append(e)
    ncases = 0
    for c in q("SELECT id, state, version, unit_id, due_at, closed_at,"
               " rating, handled, reworked, escalated, updated_at"
               " FROM cases"):
        ncases += 1
        evs = events.get(c["id"], [])
        if not evs or evs[0]["action"] not in ("submit", "self_handle"):
            problems.append("case %d: no creation event" % c["id"])
            out["half"] += 1
            continue
        why = replay_mismatch(c, evs)
        if why:
            problems.append("case %d: %s" % (c["id"], why))
            out["mismatch"] += 1
    con.close()
    out["cases"] = ncases
    out["events"] = sum(len(v) for v in events.values())
    return out, problems


def extract_keys(text):
    keys, i = [], 0
    while True:
        i = text.find("[ct-", i)
        if i < 0:
            return keys
        j = text.find("]", i)
        if j < 0:
            return keys
        keys.append(text[i + 1:j])
        i = j


def replay_mismatch(c, evs):
    """Replays a case's events as store_case_apply applies them and
    compares the row; returns what differs, or None."""
    state, unit, due, closed, rating = "none", None, None, None, None
    handled = reworked = escalated = 0
    at = None
    for n, e in enumerate(evs, 1):
        if e["seq"] != n:
            return "event seq %d where %d was due" % (e["seq"], n)
        frm = e["from_state"] or "none"
        if frm != state:
            return "event %d (%s) starts from '%s', the case was '%s'" % (
                n, e["action"], frm, state)
        closing = e["to_state"] == "closed" and state != "closed"
        reopening = state == "closed" and e["to_state"] != "closed"
        state = e["to_state"]
        unit = e["unit_id"] if e["unit_id"] is not None else unit
        due = e["due_at"] if e["due_at"] is not None else due
        if closing:
            closed = e["at"]
        elif reopening:
            closed = None
        if e["rating"] is not None:
            rating = e["rating"]
        elif reopening:
            rating = None
        handled |= e["action"] in ("handle", "self_handle")
        reworked |= e["action"] == "rework"
        escalated |= e["action"] == "escalate"
        at = e["at"]
    want = dict(state=state, version=1 + len(evs), closed_at=closed,
                rating=rating, handled=int(handled), reworked=int(reworked),
                escalated=int(escalated), updated_at=at)
    if unit is not None:
        want["unit_id"] = unit
    if due is not None:
        want["due_at"] = due
    diff = ["%s is %r, replay gives %r" % (k, c[k], v)
            for k, v in want.items() if c[k] != v]
    return "; ".join(diff) or None


# ---- the run ----------------------------------------------------------------

def server_logs(tmp):
    """What the servers logged: sanitizer reports (a failure) and the
    count of error lines."""
    out = dict(sanitizer=[], errors=0)
    for name in sorted(os.listdir(tmp)):
        if not name.startswith("serve-"):
            continue
        with open(os.path.join(tmp, name), errors="replace") as f:
            for line in f:
                if "Sanitizer" in line or "runtime error:" in line:
                    out["sanitizer"].append("%s: %s" % (name, line.strip()))
                elif "level=error" in line:
                    out["errors"] += 1
    return out


def machine():
    model, cores = platform.processor() or "?", os.cpu_count()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True,
                             env=dict(os.environ, LC_ALL="C")).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "Model name":
                model = v.strip()
            elif k.strip() == "CPU(s)":
                cores = int(v.strip())
    except OSError:
        pass
    return "%s, %s cores" % (model, cores)


def write_results(line, seed, kills, threads, seconds, problems):
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    fresh = not os.path.exists(RESULTS)
    with open(RESULTS, "a") as f:
        if fresh:
            f.write(
                "# Crash test: nothing acknowledged is lost when the server "
                "is killed\n\n"
                "`make crashtest` (scripts/crashtest.py) serves a fresh demo "
                "database, lets\nresidents and staff report and work cases "
                "in concurrent threads (every\nwrite with an "
                "Idempotency-Key), kills the server with SIGKILL at random\n"
                "moments and starts it again on the same files, then checks "
                "the SQLite\nfile: every acknowledged write is there, "
                "nothing is half written, each\ncase's row equals the "
                "replay of its events, retries created no\n"
                "duplicates.  One section per run, newest last.\n")
        f.write("\n## %s\n\n" % datetime.datetime.now().astimezone()
                .strftime("%Y-%m-%d %H:%M %Z"))
        f.write("- machine: %s\n" % machine())
        env = ("CIVICGRID_BIN=%s " % os.environ["CIVICGRID_BIN"]
               if os.environ.get("CIVICGRID_BIN") else "")
        f.write("- command: `%sCRASHTEST_SEED=%d CRASHTEST_KILLS=%d "
                "CRASHTEST_THREADS=%d make crashtest`\n"
                % (env, seed, kills, threads))
        f.write("- run time: %.0f s\n" % seconds)
        f.write("- result: %s\n\n" % ("FAILED" if problems else "passed"))
        f.write("```\n%s\n" % line)
        for p in problems[:10]:
            f.write("  %s\n" % p)
        f.write("```\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        d = sys.argv[2]
        out, problems = check(os.path.join(d, "civicgrid.db"),
                              os.path.join(d, "blobs"),
                              os.path.join(d, "journal.jsonl"))
        for p in problems[:50]:
            print("  " + p)
        print(json.dumps(out))
        return 1 if problems else 0

    seed = int(os.environ.get("CRASHTEST_SEED") or
               int(time.time() * 1000) % 1000000)
    kills = int(os.environ.get("CRASHTEST_KILLS", "20"))
    nthreads = int(os.environ.get("CRASHTEST_THREADS", "10"))
    print("crashtest: seed %d (CRASHTEST_SEED=%d to repeat), %d kills, "
          "%d client threads" % (seed, seed, kills, nthreads), flush=True)
    if not os.access(binary(), os.X_OK):
        print("crashtest: no binary at %s; run make first" % binary())
        return 2
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="civicgrid-crash-")
    db = os.path.join(tmp, "civicgrid.db")
    blobs = os.path.join(tmp, "blobs")
    # A copy, so that a rebuild during the run cannot swap the program
    # between two starts.
    exe = os.path.join(tmp, "civicgrid")
    shutil.copy2(binary(), exe)
    r = subprocess.run([exe, "demo", "--db", db, "--blob-dir", blobs],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print("crashtest: civicgrid demo failed:\n" + r.stderr[-3000:])
        return 2
    server = Server(exe, tmp, db, blobs, free_port())
    server.start()
    grid, point, units, categories = setup_city(server.url)
    journal = Journal(os.path.join(tmp, "journal.jsonl"))
    ctx = Context(seed, server, journal)
    ctx.grid, ctx.point, ctx.units, ctx.categories = \
        grid, point or (None, None), units, categories
    if point is None:
        print("crashtest: no point inside the grid; reports by area only")
    users = list(REPORTERS + STAFF)
    clients = [Client(ctx, users[i % len(users)], i,
                      random.Random(seed * 1000 + i))
               for i in range(nthreads)]
    for c in clients:
        c.start()

    rng = random.Random(seed)
    killed_with_unacked = 0
    status = None
    try:
        time.sleep(1.0)
        for k in range(kills):
            if ctx.abort.is_set():
                break
            time.sleep(rng.uniform(0.2, 2.5))
            before = journal.n["unacked_sent"]
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
            time.sleep(0.3)
            if journal.n["unacked_sent"] > before:
                killed_with_unacked += 1
            print("  kill %d/%d: %d acknowledged, %d unacknowledged so far"
                  % (k + 1, kills, journal.n["acked"],
                     journal.n["unacked_sent"]), flush=True)
        # Let every client retry what was left unanswered, then stop.
        time.sleep(1.5)
    except BaseException:
        ctx.abort.set()
        print("crashtest: the run broke off; files in %s" % tmp)
        raise
    finally:
        ctx.stop.set()
        for c in clients:
            c.join(120)
        status = server.stop()
        journal.close()
    errors = [c.error for c in clients if c.error]
    alive = [c.name for c in clients if c.is_alive()]
    if errors or alive:
        print("crashtest: clients failed: %s %s; files in %s"
              % (errors, alive, tmp))
        return 2

    out, problems = check(db, blobs, os.path.join(tmp, "journal.jsonl"))
    n = journal.n
    if status != 0:
        problems.append("the server exited with %s on SIGTERM" % status)
    problems += journal.problems
    out["lost"] += n["lost_sessions"]
    logged = server_logs(tmp)
    problems += logged["sanitizer"]
    seconds = time.time() - t0
    line = ("crashtest seed=%d: kills %d (%d during unanswered writes), "
            "acknowledged writes %d, unacknowledged writes sent %d, "
            "retried %d (%d had committed, %d refused), "
            "acknowledged re-sent %d (%d answered differently), "
            "lost %d, half-written %d, replay mismatches %d, duplicates %d, "
            "idempotency violations %d; sign-ins %d (%d lost); "
            "answers 5xx %d, errors logged %d; "
            "%d cases / %d events checked; %.0f s"
            % (seed, server.starts - 1, killed_with_unacked, n["acked"],
               n["unacked_sent"], n["retried"], n["replayed"],
               n["refused_after_unack"], n["reasks"], n["reask_mismatch"],
               out["lost"], out["half"], out["mismatch"], out["dup"],
               out["idem"], n["sign_ins"], n["lost_sessions"],
               n["server_errors"], logged["errors"], out["cases"],
               out["events"], seconds))
    for p in problems[:50]:
        print("  " + p)
    print(line, flush=True)
    if n["acked"] == 0 or server.starts - 1 < kills:
        problems.append("the run did too little to prove anything")
    write_results(line, seed, kills, nthreads, seconds, problems)
    bad = problems
    if bad:
        print("crashtest: FAILED; the database, journal and server logs are "
              "in %s" % tmp)
        return 1
    if os.environ.get("CRASHTEST_KEEP"):
        print("crashtest: files kept in %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
