"""Settings as an operator gives them: flags in either form, a settings
file, the environment, and a bad value refused with its reason."""
import json
import os
import shutil
import sqlite3
import tempfile

import pytest

from conftest import ROOT, run


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="civicgrid-settings-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def tables(db):
    with sqlite3.connect(db) as c:
        return {r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_flag_with_an_equals_sign(tmp):
    db = os.path.join(tmp, "eq.db")
    r = run(["migrate", "--db=" + db])
    assert r.returncode == 0, r.stderr
    assert "cases" in tables(db)


def test_the_flag_wins_over_the_environment_and_the_file(tmp, monkeypatch):
    conf = os.path.join(tmp, "civicgrid.conf")
    with open(conf, "w") as f:
        f.write("# the settings file\ndb = %s\n" % os.path.join(tmp, "f.db"))
    monkeypatch.delenv("CIVICGRID_CONFIG", raising=False)
    monkeypatch.setenv("CIVICGRID_DB", os.path.join(tmp, "e.db"))
    assert run(["migrate", "--config=" + conf]).returncode == 0
    assert "cases" in tables(os.path.join(tmp, "e.db"))
    assert not os.path.exists(os.path.join(tmp, "f.db"))
    r = run(["migrate", "--config", conf, "--db=" + os.path.join(tmp, "g.db")])
    assert r.returncode == 0, r.stderr
    assert "cases" in tables(os.path.join(tmp, "g.db"))
    assert not os.path.exists(os.path.join(tmp, "f.db"))
    monkeypatch.delenv("CIVICGRID_DB")
    assert run(["migrate", "--config", conf]).returncode == 0
    assert "cases" in tables(os.path.join(tmp, "f.db"))
    r = run(["migrate", "--config", conf, "--db", os.path.join(tmp, "a.db")])
    assert r.returncode == 0, r.stderr
    assert "cases" in tables(os.path.join(tmp, "a.db"))


@pytest.mark.parametrize("args,says", [
    (["--writers", "0"], "writers must be 1 to 1024"),
    (["--writers=many"], "writers must be 1 to 1024"),
    (["--threads", "300"], "threads must be 1 to 256"),
    (["--per-address=0"], "per-address must be 1 to 100000"),
    (["--log-level=verbose"], "log-level must be debug, info, warn or error"),
    (["--blob-dir="], "blob-dir must not be empty"),
])
def test_a_bad_count_is_refused_with_its_reason(tmp, args, says):
    r = run(["serve", "--db", os.path.join(tmp, "x.db"),
             "--listen", "127.0.0.1:1"] + args, timeout=60)
    assert r.returncode != 0
    assert says in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(tmp, "x.db"))


def test_a_bad_value_in_the_file_is_refused(tmp, monkeypatch):
    conf = os.path.join(tmp, "civicgrid.conf")
    with open(conf, "w") as f:
        f.write("db = %s\nwriters = 2000\n" % os.path.join(tmp, "x.db"))
    monkeypatch.delenv("CIVICGRID_DB", raising=False)
    r = run(["serve", "--config", conf, "--listen", "127.0.0.1:1"],
            timeout=60)
    assert r.returncode != 0
    assert "civicgrid.conf:2: writers must be 1 to 1024" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(tmp, "x.db"))


def test_an_empty_database_path_is_refused(tmp):
    """--db=$UNSET: SQLite would open a throwaway database for an empty
    name, and the command would seem to succeed."""
    r = run(["migrate", "--db="])
    assert r.returncode != 0
    assert "db must not be empty" in r.stderr, r.stderr


def test_an_empty_variable_is_an_unset_one(tmp, monkeypatch):
    monkeypatch.setenv("CIVICGRID_DB", "")
    monkeypatch.setenv("CIVICGRID_LOG_LEVEL", "")
    r = run(["migrate", "--db", os.path.join(tmp, "v.db")])
    assert r.returncode == 0, r.stderr
    assert "cases" in tables(os.path.join(tmp, "v.db"))


def test_the_version_is_the_release_of_the_package():
    with open(os.path.join(ROOT, "package.json")) as f:
        release = json.load(f)["version"]
    r = run(["--version"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "civicgrid %s\n" % release
    assert "--version" in run(["--help"]).stdout


@pytest.mark.parametrize("cmd, listed, not_listed", [
    ("serve", ("--db", "--listen", "--web-dir", "--threads", "--writers",
               "--per-address", "--tile-url"), ()),
    ("migrate", ("--db", "--blob-dir", "--calendar", "--city"),
     ("--listen", "--threads", "--writers", "--web-dir", "--shared-data")),
    ("demo", ("--db", "--shared-data", "--city"),
     ("--listen", "--threads", "--per-address")),
    ("import", ("--db", "--city"), ("--listen", "--writers")),
    ("backup", ("--db", "--blob-dir"), ("--listen", "--city", "--threads")),
    ("restore", ("--db", "--blob-dir"), ("--listen", "--city")),
])
def test_a_commands_help_lists_the_settings_it_reads(cmd, listed,
                                                      not_listed):
    r = run([cmd, "--help"])
    assert r.returncode == 0, r.stderr
    # The list of settings, after its heading: "  --name  what it is".
    settings = r.stdout.split("Settings (flag")[1]
    words = {line.split()[0] for line in settings.splitlines()
             if line.startswith("  --")}
    assert "--config" in words
    assert [s for s in listed if s not in words] == []
    assert [s for s in not_listed if s in words] == []
