"""
`civicgrid backup` and `civicgrid restore` on a SQLite deployment: a copy
taken while the server works holds what was acknowledged before it, is
checked, and adds only new photos the second time; putting it back is
refused while a server has the database open, and afterwards the server
answers from the restored database.
"""
import os
import shutil
import tempfile

import pytest

from conftest import Api, make_demo, png_bytes, run, start_server, stop_server

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CIVICGRID_DB_URL")),
    reason="backup and restore here are SQLite's; PostgreSQL uses pg_dump")


@pytest.fixture()
def deployment():
    tmp = tempfile.mkdtemp(prefix="civicgrid-backup-")
    db, blobs = make_demo(tmp)
    proc, port, log = start_server(tmp, db, blobs)

    class Srv:
        pass
    s = Srv()
    s.tmp, s.db, s.blobs, s.port = tmp, db, blobs, port
    s.url = "http://127.0.0.1:%d" % port
    s.proc, s.log = proc, log
    yield s
    if s.proc:
        stop_server(s.proc, s.log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def grid(api):
    return api.me("gridworker")["area"]["code"]


def test_backup_while_serving_and_restore(deployment):
    s = deployment
    api = Api(s)
    photo = api.photo("resident1", png_bytes(16, 16, (10, 120, 200)))
    kept = api.report("resident1", area=grid(api), category="06010",
                      description="备份前上报的案件", photos=[photo])
    dest = os.path.join(s.tmp, "backup")
    r = run(["backup", "--db", s.db, "--blob-dir", s.blobs, "--to", dest])
    assert r.returncode == 0, r.stderr
    assert "backed up" in r.stdout and "photos:" in r.stdout
    assert os.path.exists(os.path.join(dest, "civicgrid.db"))
    stored = [f for _, _, fs in os.walk(os.path.join(dest, "blobs"))
              for f in fs]
    assert any(f.startswith(photo) for f in stored)
    first = os.path.join(s.tmp, "first")
    shutil.copytree(dest, first)

    # Work goes on after the copy; a second copy adds only what is new.
    later = api.report("resident1", area=grid(api), category="06010",
                       description="备份后上报的案件")
    r = run(["backup", "--db", s.db, "--blob-dir", s.blobs, "--to", dest])
    assert r.returncode == 0 and "0 copied" in r.stdout, r.stdout

    # Restoring under a running server is refused and changes nothing.
    r = run(["restore", "--from", dest, "--db", s.db, "--blob-dir", s.blobs])
    assert r.returncode == 1 and "stop the servers" in r.stderr, r.stderr
    assert api.case(later["id"])["id"] == later["id"]

    # Take the first copy back: the later case is gone, the earlier one
    # and its photo are there.
    stop_server(s.proc, s.log)
    s.proc = None
    r = run(["restore", "--from", first, "--db", s.db, "--blob-dir", s.blobs])
    assert r.returncode == 0, r.stderr
    s.proc, s.port, s.log = start_server(s.tmp, s.db, s.blobs)
    s.url = "http://127.0.0.1:%d" % s.port
    api = Api(s)
    got = api.case(kept["id"])
    assert got["description"] == "备份前上报的案件"
    assert api.get("/api/v1/cases/%d" % later["id"], "admin").status_code \
        == 404


def test_a_damaged_copy_is_refused(deployment, tmp_path):
    s = deployment
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "civicgrid.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    stop_server(s.proc, s.log)
    s.proc = None
    before = os.path.getsize(s.db)
    r = run(["restore", "--from", str(bad), "--db", s.db,
             "--blob-dir", s.blobs])
    assert r.returncode == 1, r.stdout
    assert os.path.getsize(s.db) == before


def test_postgres_is_pointed_to_pg_dump():
    r = run(["backup", "--db", "postgres://civicgrid@127.0.0.1:1/x",
             "--to", "/nonexistent"])
    assert r.returncode == 2 and "pg_dump" in r.stderr
