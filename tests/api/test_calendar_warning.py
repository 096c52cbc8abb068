"""
The working calendar runs out: the State Council publishes each year's
holidays late in the year before, and until someone adds them a deadline
counts the Spring Festival as working days.  The server says so where an
operator looks (its start, and /healthz, which monitoring polls) while
it still answers.
"""
import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from conftest import binary, new_db, start_server, stop_server


def serve_with_calendar(text):
    tmp = tempfile.mkdtemp(prefix="civicgrid-cal-")
    cal = os.path.join(tmp, "calendar.txt")
    with open(cal, "w") as f:
        f.write(text)
    proc, port, log = start_server(tmp, new_db(tmp), os.path.join(tmp, "b"),
                                   env={"CIVICGRID_CALENDAR": cal})
    return tmp, proc, port, log


def beijing_today():
    return (datetime.now(timezone.utc) + timedelta(hours=8)).date()


@pytest.mark.parametrize("years_back,warned", [(1, True), (0, False),
                                               (-1, False)])
def test_healthz_warns_while_the_calendar_runs_out(years_back, warned):
    # A year counts as covered once one of its holidays is named: the
    # calendar ends with the year of its last entry, and the next 90
    # days must stay within it.
    horizon = (beijing_today() + timedelta(days=90)).year
    last = date(horizon - years_back, 10, 1)
    tmp, proc, port, log = serve_with_calendar(
        "zone +08:00\nholiday %s\n" % last.isoformat())
    try:
        r = requests.get("http://127.0.0.1:%d/healthz" % port, timeout=10)
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ok"
        if warned:
            [w] = body["warnings"]
            assert "names no holidays for %d" % (last.year + 1) in w, w
            assert "calendar file" in w
        else:
            assert "warnings" not in body, body
    finally:
        stop_server(proc, log)
        with open(log.name) as f:
            started = f.read()
        shutil.rmtree(tmp, ignore_errors=True)
    # Said once at the start as well, for whoever reads the log.
    assert ("names no holidays for" in started) == warned


def test_a_calendar_without_holidays_is_named():
    tmp, proc, port, log = serve_with_calendar("zone +08:00\n")
    try:
        body = requests.get("http://127.0.0.1:%d/healthz" % port,
                            timeout=10).json()
        assert "names no holidays" in body["warnings"][0]
    finally:
        stop_server(proc, log)
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_command_that_sets_deadlines_says_it_has_no_calendar():
    # Run where the shipped calendar is not (outside the source tree) and
    # given none, the demo's deadlines count every weekday as a working
    # day: it says so, as the server does.
    tmp = tempfile.mkdtemp(prefix="civicgrid-cal-")
    try:
        env = dict(os.environ)
        env.pop("CIVICGRID_CALENDAR", None)
        r = subprocess.run([binary(), "demo", "--db", new_db(tmp),
                            "--blob-dir", os.path.join(tmp, "b")],
                           cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        assert "names no holidays" in r.stderr
        assert "--calendar" in r.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
