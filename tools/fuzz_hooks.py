"""Schemathesis hooks of deskflow's fuzz run: a refused request writes nothing.

Before each call the run waits until restate-server runs nothing and the database's row counts
stand still (earlier calls' one-way emails and activity records have landed), notes them, and
after a 4xx answer checks that no table gained or lost a row. Needs a serial run
(`--workers 1`), the SQLite file in DESKFLOW_FUZZ_DATABASE and Restate's admin API in
DESKFLOW_FUZZ_ADMIN.
"""

import json
import os
import sqlite3
import time
import urllib.request

import schemathesis

TABLES = (
    "users",
    "workspaces",
    "bookings",
    "payments",
    "notifications",
    "activity",
    "refresh_tokens",
)

_before = {}


def _counts():
    db = sqlite3.connect(f"file:{os.environ['DESKFLOW_FUZZ_DATABASE']}?mode=ro", uri=True, timeout=10)
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        db.close()


def _in_flight():
    """Invocations restate-server is running or about to run (one-way sends of earlier calls)."""
    req = urllib.request.Request(
        os.environ["DESKFLOW_FUZZ_ADMIN"] + "/query",
        data=json.dumps({"query": IN_FLIGHT}).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["rows"][0]["n"]


IN_FLIGHT = (
    "SELECT COUNT(*) AS n FROM sys_invocation "
    "WHERE status IN ('pending', 'ready', 'running', 'backing-off')"
)


def _steady_counts():
    """The row counts once nothing is in flight and they stand still (at most 5 s)."""
    deadline = time.monotonic() + 5
    last = _counts()
    while time.monotonic() < deadline:
        if _in_flight() == 0:
            time.sleep(0.03)
            now = _counts()
            if now == last:
                return now
            last = now
        else:
            time.sleep(0.03)
            last = _counts()
    return last


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _before["counts"] = _steady_counts()


@schemathesis.check
def refused_requests_write_nothing(ctx, response, case):
    if response.status_code < 400 or "counts" not in _before:
        return
    after = _counts()
    changed = {
        t: (_before["counts"][t], after[t]) for t in TABLES if after[t] != _before["counts"][t]
    }
    if changed:
        raise AssertionError(
            f"a request answered {response.status_code} changed rows: "
            + ", ".join(f"{t} {a} -> {b}" for t, (a, b) in changed.items())
        )
