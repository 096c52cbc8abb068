"""
Black-box API tests: one real civicgrid server on 127.0.0.1 for the whole
session, on a fresh demo database in a temporary directory.

Environment:
  CIVICGRID_BIN          the binary to test (default ./civicgrid; e.g.
                         build-san/civicgrid for the sanitizer build)
  CIVICGRID_SHARED_DATA  the real data folder (default ../shared/data)
  CIVICGRID_DB_URL       a PostgreSQL cluster (postgres://user@host:port/db,
                         see scripts/pg-cluster.sh): every server then gets
                         a fresh database of its own there instead of a
                         SQLite file
"""
import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time
import urllib.parse
import uuid
import zlib

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
PASSWORD = "civicgrid-demo"
DB_URL = os.environ.get("CIVICGRID_DB_URL")
# The SQL function (haystack, needle) -> 1-based position, 0 if absent.
STRPOS = "strpos" if DB_URL else "instr"
PHOTO_SERIAL = itertools.count(1)
USERS = ("admin", "dispatcher", "supervisor", "hm-supervisor", "gridworker",
         "community", "sanitation", "landscape", "resident1", "resident2")


def binary():
    b = os.environ.get("CIVICGRID_BIN", os.path.join(ROOT, "civicgrid"))
    return b if os.path.isabs(b) else os.path.join(ROOT, b)


def shared_data():
    d = os.environ.get("CIVICGRID_SHARED_DATA",
                       os.path.join(ROOT, "..", "shared", "data"))
    return d if os.path.isabs(d) else os.path.join(ROOT, d)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, **kw):
    """Runs the binary from the repository root (it finds web/ and
    data/calendar there); returns the CompletedProcess.  A command may take
    up to 15 minutes: the sanitizer build replaying a service center's
    year into PostgreSQL, every event through the statistics' triggers,
    takes about 200 s on two cores, and more when they are busy."""
    env = dict(os.environ)
    env.setdefault("CIVICGRID_SHARED_DATA", shared_data())
    kw.setdefault("timeout", 900)
    return subprocess.run([binary()] + args, cwd=ROOT, env=env,
                          capture_output=True, text=True, **kw)


# ---- the database, whichever backend runs -----------------------------------

def psql(url, sql):
    """Runs sql on the PostgreSQL database at url; returns what it
    printed (unaligned, tuples only)."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("psql failed on %r: %s" % (sql[:200], r.stderr))
    return r.stdout


def new_db(tmp, name="civicgrid.db"):
    """Where a server of the test keeps its data: a SQLite file in tmp, or,
    with CIVICGRID_DB_URL, a new empty database on that cluster."""
    if not DB_URL:
        return os.path.join(tmp, name)
    dbname = "cg_" + uuid.uuid4().hex[:16]
    psql(DB_URL, "CREATE DATABASE %s" % dbname)
    u = urllib.parse.urlsplit(DB_URL)
    return urllib.parse.urlunsplit(u._replace(path="/" + dbname))


def sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    return "'%s'" % str(v).replace("'", "''")


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)

    def __iter__(self):
        return iter(self.rows)


class PgConn:
    """The little of sqlite3's connection the tests use, on PostgreSQL
    through psql: '?' parameters, rows as tuples, values typed as JSON
    types (booleans as True/False, which equal 1 and 0)."""

    def __init__(self, url):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass

    def commit(self):
        pass

    def execute(self, sql, params=()):
        parts = re.split(r"('(?:[^']|'')*')", sql)
        args = list(params)
        for i in range(0, len(parts), 2):
            out = ""
            for ch in parts[i]:
                out += sql_literal(args.pop(0)) if ch == "?" else ch
            parts[i] = out
        assert not args, "more parameters than '?' in %r" % sql
        sql = "".join(parts)
        if not re.match(r"\s*(SELECT|WITH)\b", sql, re.I):
            psql(self.url, sql)
            return _Rows([])
        out = psql(self.url, "SELECT json_agg(row_to_json(t)) FROM (%s) t"
                   % sql).strip()
        rows = json.loads(out, object_pairs_hook=lambda kv: tuple(
            v for _, v in kv)) if out else []
        return _Rows(rows or [])

    def executemany(self, sql, seq):
        for params in seq:
            self.execute(sql, params)


def connect(db, readonly=False):
    """A connection to the database of a test server (new_db's answer),
    with sqlite3's execute/fetchone/fetchall."""
    if re.match(r"postgres(ql)?://", db):
        return PgConn(db)
    if readonly:
        return sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    return sqlite3.connect(db, timeout=10)


# ---- photos made by hand ----------------------------------------------------

def png_bytes(w=8, h=8, rgb=(200, 60, 30), declared=None, idat=None):
    """A valid RGB PNG; `declared` overrides the size in the header (a
    bomb), `idat` the compressed data."""
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(
            ">I", zlib.crc32(c) & 0xffffffff)
    dw, dh = declared or (w, h)
    row = b"\0" + bytes(rgb) * w
    raw = idat if idat is not None else zlib.compress(row * h)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", dw, dh, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def fixture_bytes(name):
    with open(os.path.join(DATA, "photos", name), "rb") as f:
        return f.read()


# ---- the server -------------------------------------------------------------

class Server:
    def __init__(self, tmp, port, proc, log, db=None):
        self.tmp = tmp
        self.db = db or os.path.join(tmp, "civicgrid.db")
        self.blobs = os.path.join(tmp, "blobs")
        self.url = "http://127.0.0.1:%d" % port
        self.port = port
        self.proc = proc
        self.log = log


def start_server(tmp, db, blobs, env=None):
    port = free_port()
    log = open(os.path.join(tmp, "serve-%d.log" % port), "w")
    env = dict(os.environ, **(env or {}))
    proc = subprocess.Popen(
        [binary(), "serve", "--db", db, "--blob-dir", blobs, "--listen",
         "127.0.0.1:%d" % port], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("civicgrid serve exited with %s; see %s"
                               % (proc.returncode, log.name))
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, port, log
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("civicgrid serve did not answer /healthz in 20 s")


def stop_server(proc, log):
    """Stops the server the way an operator does (SIGTERM) and checks that
    it shut down cleanly: exit status 0, and no report from the address,
    leak or undefined-behaviour sanitizers when the binary carries them."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
    with open(log.name, errors="replace") as f:
        text = f.read()
    reports = [line for line in text.splitlines()
               if "Sanitizer" in line or "runtime error:" in line]
    assert not reports, "the server's log %s has sanitizer reports:\n%s" % (
        log.name, "\n".join(reports[:20]))
    assert proc.returncode == 0, "the server exited with %s; see %s" % (
        proc.returncode, log.name)


def make_demo(tmp, extra=()):
    db = new_db(tmp)
    blobs = os.path.join(tmp, "blobs")
    r = run(["demo", "--db", db, "--blob-dir", blobs] + list(extra))
    if r.returncode != 0:
        raise RuntimeError("civicgrid demo failed (%d):\n%s\n%s"
                           % (r.returncode, r.stdout[-2000:], r.stderr[-4000:]))
    return db, blobs


@contextlib.contextmanager
def demo_city(prefix, extra=(), env=None):
    """A server of its own on a demo city made with `civicgrid demo` and
    the options extra (e.g. ["--cases", "2500"]), started with the
    environment env added (e.g. {"CIVICGRID_THREADS": "1"}), as an Api."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    db, blobs = make_demo(tmp, extra)
    proc, port, log = start_server(tmp, db, blobs, env)
    try:
        yield Api(Server(tmp, port, proc, log, db))
    finally:
        stop_server(proc, log)
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    if not os.access(binary(), os.X_OK):
        pytest.exit("no civicgrid binary at %s; run `make` first" % binary(),
                    returncode=2)
    tmp = tempfile.mkdtemp(prefix="civicgrid-api-")
    db, blobs = make_demo(tmp)
    proc, port, log = start_server(tmp, db, blobs)
    s = Server(tmp, port, proc, log, db)
    yield s
    stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the client -------------------------------------------------------------

class Api:
    """Requests against the test server as one of the demo users; tokens
    are cached per user."""

    def __init__(self, srv):
        self.srv = srv
        self.url = srv.url
        self.tokens = {}
        self.http = requests.Session()
        self._me = {}

    def token(self, user):
        if user not in self.tokens:
            r = requests.post(self.url + "/api/v1/session",
                              json={"username": user, "password": PASSWORD},
                              timeout=30)
            assert r.status_code == 201, (user, r.status_code, r.text)
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def headers(self, user, extra=None):
        h = {}
        if user:
            h["Authorization"] = "Bearer " + self.token(user)
        h.update(extra or {})
        return h

    def req(self, method, path, user=None, headers=None, **kw):
        kw.setdefault("timeout", 60)
        return requests.request(method, self.url + path,
                                headers=self.headers(user, headers), **kw)

    def get(self, path, user=None, **kw):
        return self.req("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        return self.req("POST", path, user, **kw)

    def me(self, user):
        if user not in self._me:
            r = self.get("/api/v1/me", user)
            assert r.status_code == 200, r.text
            self._me[user] = r.json()
        return self._me[user]

    # cases
    def report(self, user, expect=201, **fields):
        r = self.post("/api/v1/cases", user, json=fields)
        assert r.status_code == expect, (r.status_code, r.text)
        return r.json()

    def case(self, cid, user="admin"):
        r = self.get("/api/v1/cases/%d" % cid, user)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def events(self, cid, user="admin"):
        r = self.get("/api/v1/cases/%d/events" % cid, user)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["events"]

    def act(self, cid, user, action, **kw):
        body = dict(action=action, **kw)
        return self.post("/api/v1/cases/%d/actions" % cid, user, json=body)

    def ok(self, cid, user, action, **kw):
        r = self.act(cid, user, action, **kw)
        assert r.status_code == 200, (user, action, r.status_code, r.text)
        return r.json()

    def photo(self, user, data=None, name="p.png", ctype="image/png"):
        if data is None:
            # A picture of its own each time, as a camera gives: a step
            # may not show a photo already in its case.
            n = next(PHOTO_SERIAL)
            data = png_bytes(8 + n % 200, 8 + n // 200 % 200)
        r = self.post("/api/v1/photos", user,
                      files={"photo": (name, data, ctype)})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()["hash"]

    # the database, read-only, for what the API does not show
    def db(self):
        return connect(self.srv.db, readonly=True)

    def scalar(self, sql, *args):
        with self.db() as c:
            return c.execute(sql, args).fetchone()[0]

    def counts(self):
        with self.db() as c:
            return (c.execute("SELECT COUNT(*) FROM cases").fetchone()[0],
                    c.execute("SELECT COUNT(*) FROM events").fetchone()[0])


@pytest.fixture(scope="session")
def api(server):
    return Api(server)


class City:
    """What the tests need to know about the demo city, read through the
    API so the tests do not depend on how the demo is generated."""

    def __init__(self, api):
        self.api = api
        gw = api.me("gridworker")
        assert gw.get("area"), "the grid worker has no area: %r" % gw
        self.grid = gw["area"]["code"]          # inside 回民区, 电子路社区
        assert self.grid.startswith("150103"), self.grid
        self.community_unit = api.me("community")["unit"]["code"]
        self.sanitation_unit = api.me("sanitation")["unit"]["code"]
        self.landscape_unit = api.me("landscape")["unit"]["code"]
        tree = api.get("/api/v1/categories").json()["items"]
        self.small = [dict(k, parent=b["code"], parent_name=b["name"])
                      for b in tree for k in b["children"]]
        assert self.small, "no categories"
        # a district outside 回民区
        kids = api.get("/api/v1/areas", params={"parent": "150100"}).json()
        others = [a["code"] for a in kids["items"]
                  if a["code"] != "150103" and a["level"] == "district"]
        assert others, kids
        self.outside = "150102" if "150102" in others else others[0]

    def category(self, *words, unit=None):
        """A small class whose name holds one of the words (first match in
        order of the words), else one owned by `unit`, else any."""
        for w in words:
            for k in self.small:
                if w in k["name"]:
                    return k["code"]
        if unit:
            for k in self.small:
                if k.get("unit") == unit:
                    return k["code"]
        return self.small[0]["code"]

    @property
    def general(self):
        return self.category("乱堆杂物", "楼道设施", "堆物")

    def sanitation_category(self):
        for k in self.small:
            if k.get("unit") == self.sanitation_unit:
                return k["code"]
        return None


@pytest.fixture(scope="session")
def city(api):
    return City(api)


def err_of(r):
    """The error object of a 4xx/5xx answer, checking its shape."""
    assert r.headers.get("Content-Type", "").startswith("application/json"), \
        (r.status_code, r.headers, r.text[:200])
    body = r.json()
    assert set(body) == {"error"}, body
    e = body["error"]
    assert isinstance(e.get("code"), str) and e["code"], body
    assert isinstance(e.get("message"), str) and len(e["message"]) > 5, body
    return e


# ---- cases in a given state ---------------------------------------------------

PATH_TO = ["submitted", "filed", "dispatched", "handling", "handled",
           "closed"]


def make_case(api, city, state="submitted", reporter="resident1", area=None,
              category=None, unit=None, description=None):
    """Reports a case and walks it along the main path to `state`; unit is
    the unit code to dispatch to (default: the community office)."""
    area = area or city.grid
    unit = unit or city.community_unit
    c = api.report(reporter, category=category or city.general, area=area,
                   description=description or "测试案件：%s 状态的案件" % state)
    cid = c["id"]
    signer = {city.community_unit: "community",
              city.sanitation_unit: "sanitation",
              city.landscape_unit: "landscape"}[unit]
    steps = [("dispatcher", "accept", {}),
             ("dispatcher", "dispatch", {"unit": unit}),
             (signer, "sign", {}),
             (signer, "handle", {"note": "已处理", "photos": None}),
             ("supervisor", "close", {})]
    for st, (user, action, kw) in zip(PATH_TO[1:], steps):
        if PATH_TO.index(st) > PATH_TO.index(state):
            break
        if "photos" in kw:
            kw = dict(kw, photos=[api.photo(user)])
        got = api.ok(cid, user, action, **kw)
        assert got["state"] == st, got
    return cid
