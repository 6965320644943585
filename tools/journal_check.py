#!/usr/bin/env python3
"""tools/journal_check.py: the journal check for a refactor of deskflow's Booking workflow (workflows/src/booking/).

  journal_check.py record <binary> <out.json>
      A fresh stack (`<binary> up --control`), scripted bookings (confirmed->completed,
      cancelled, rescheduled up and down, 3-D Secure, waitlisted, admin-cancelled), each in its
      own member and workspace; writes every booking's final status and the journal of its
      `Booking/{id}/run` as [index, entry_type, name] to out.json.
      Compare two records with `journal_check.py diff <a.json> <b.json>` (or any JSON diff).

  journal_check.py replay <old-binary> <new-binary> <out.json>
      A fresh stack on the OLD binary; bookings suspended at each wait; the endpoint is switched
      to the NEW binary (same environment, same ports, so the same deployment); each booking is
      driven to its end on the new binary. Reports final statuses and every invocation failure
      seen (journal mismatch = code 570..573). Exit status 0 only when all ended as expected.
      The stack runs with the test settings plus REPLAY_OVERRIDES (a longer payment retry
      budget and hold, so that bookings waiting on the provider or on 3-D Secure survive
      the switch instead of failing or expiring before the new binary sees them).

  journal_check.py diff <a.json> <b.json>
      Compares two record outputs entry for entry (exit 1 on a difference). The one difference
      it accepts (and says so) is a journal whose commands are identical, in order and detail,
      and whose notifications are the same set, sitting at other places among the commands:
      Restate appends a notification when its completion arrives (timing), and the SDK matches
      notifications by id on replay and checks only the commands against the code.

  Self-test of the replay check (it must FAIL): JOURNAL_CHECK_SELFTEST_NEW_ENV=K=V[,K=V] gives
  the switched endpoint different settings, e.g. DESKFLOW_REMINDER_LEAD_SECS=100000 makes a
  confirmed booking's replay skip its timer wait: a journal mismatch (570) by construction.

  Environment: DESKFLOW_HOME (default: the repository this file is in; where `up` finds .tools
  and restate.toml),
  JOURNAL_CHECK_ENV=K=V[,K=V] adds endpoint settings to every stack: a confirmed booking's run
  ends at its confirmation by default (the rest is its ConfirmedBooking object's); record the
  earlier shape, which runs until the slot's end, with DESKFLOW_CONFIRMED_AS_STATE=0,
  JOURNAL_CHECK_KEEP=1 keeps each stack's temp dir (data, logs) even when all went well.

Python 3.11, stdlib only. Read-only towards the repository: the stack's data goes to a fresh
temp dir; `up` itself installs its pinned tools into <repo>/.tools on first use.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

REPO = os.environ.get(
    "DESKFLOW_HOME", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)

# --- the test stack's settings: exactly cli/tests/journeys/harness/stack.rs `start` (constants
# from harness/mod.rs) ----------------------------------------------------------------------
JWT_SECRET = "journey-tests-secret-0123456789"
ADMIN = ("admin@journeys.test", "admin-password-1")
WEBHOOK_SECRET = "whsec_journeys"
HOLD_EXPIRY_SECS = 15
PAYMENT_BUDGET_SECS = 8
LOGIN_FREE_FAILURES = 3
LOGIN_BACKOFF_MAX_SECS = 4
BOOKING_WAIT_SECS = 4

TEST_ENV = [
    ("DESKFLOW_JWT_SECRET", JWT_SECRET),
    ("DESKFLOW_ADMIN_EMAIL", ADMIN[0]),
    ("DESKFLOW_ADMIN_PASSWORD", ADMIN[1]),
    ("DESKFLOW_NOTIFY_RETRY_INITIAL_MS", "200"),
    ("DESKFLOW_NOTIFY_RETRY_MAX_MS", "1000"),
    ("DESKFLOW_NOTIFY_RETRY_MAX_SECS", "300"),
    ("DESKFLOW_PAYMENT_RETRY_INITIAL_MS", "200"),
    ("DESKFLOW_PAYMENT_RETRY_MAX_MS", "1000"),
    ("DESKFLOW_PAYMENT_RETRY_MAX_SECS", str(PAYMENT_BUDGET_SECS)),
    ("DESKFLOW_STRIPE_TIMEOUT_SECS", "3"),
    ("DESKFLOW_HOLD_EXPIRY_SECS", str(HOLD_EXPIRY_SECS)),
    ("DESKFLOW_REMINDER_LEAD_SECS", "3"),
    ("DESKFLOW_BOOKING_WAIT_SECS", str(BOOKING_WAIT_SECS)),
    ("DESKFLOW_MIN_SLOT_SECS", "1"),
    ("DESKFLOW_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ("RUST_LOG", "info"),
    ("DESKFLOW_LOGIN_FREE_FAILURES", str(LOGIN_FREE_FAILURES)),
    ("DESKFLOW_LOGIN_BACKOFF_INITIAL_SECS", "2"),
    ("DESKFLOW_LOGIN_BACKOFF_MAX_SECS", str(LOGIN_BACKOFF_MAX_SECS)),
    ("DESKFLOW_DEV_STACK", "1"),
]

# `replay` only: the test stack's 8 s payment budget and 15 s hold would end the bookings that
# must stay suspended across the switch (provider down; member authenticating) as `failed` /
# `expired` before the new binary ever sees them. Later entries win (`up` sets them in order).
REPLAY_OVERRIDES = [
    ("DESKFLOW_PAYMENT_RETRY_MAX_SECS", "900"),
    ("DESKFLOW_HOLD_EXPIRY_SECS", "900"),
]

# JOURNAL_CHECK_ENV: settings added to every stack's endpoint (later entries win).
EXTRA_ENV = [
    tuple(kv.split("=", 1))
    for kv in os.environ.get("JOURNAL_CHECK_ENV", "").split(",")
    if "=" in kv
]

T0 = time.monotonic()


def log(*a):
    print(f"[{time.monotonic() - T0:7.1f}s]", *a, file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


# --- HTTP ------------------------------------------------------------------------------------

def http(method, url, body=None, headers=None, timeout=60, form=None, auth=None):
    """(status, parsed JSON or text) of one request; never raises on an HTTP error status."""
    data = None
    h = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        h.setdefault("content-type", "application/x-www-form-urlencoded")
    elif body is not None:
        data = json.dumps(body).encode()
        h.setdefault("content-type", "application/json")
    if auth:
        import base64
        h["authorization"] = "Basic " + base64.b64encode(f"{auth}:".encode()).decode()
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


import urllib.parse  # noqa: E402  (after http() for readability)


# --- the stack -------------------------------------------------------------------------------

class Stack:
    """`<binary> up --control --random-ports --data-dir <tmp>`; control commands on stdin."""

    def __init__(self, binary, env_pairs, label):
        self.binary = os.path.abspath(binary)
        self.base = tempfile.mkdtemp(prefix=f"journal-check-{label}-")
        self.data_dir = os.path.join(self.base, "data")
        os.makedirs(self.data_dir)
        self.env_pairs = env_pairs
        self.own_endpoint = None  # a `serve` started by this script (the switch)
        self.own_endpoint_log = None
        self.lock = threading.Lock()
        args = [self.binary, "up", "--control", "--random-ports", "--data-dir", self.data_dir]
        for k, v in env_pairs:
            args += ["--endpoint-env", f"{k}={v}"]
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)  # a developer's own DATABASE_URL must not redirect it
        env.setdefault("DESKFLOW_HOME", REPO)  # .tools and restate.toml of the repository
        self.stderr_path = os.path.join(self.base, "up.stderr")
        self.stderr = open(self.stderr_path, "ab")
        log(f"starting stack: {self.binary} up --control (data {self.data_dir}; up's stderr {self.stderr_path})")
        self.proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, start_new_session=True, text=True, bufsize=1)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise CheckFailed(f"the stack did not start (exit {self.proc.returncode}); see {self.stderr_path} and {self.data_dir}/logs")
            if line.startswith("READY "):
                self.info = json.loads(line[len("READY "):])
                break
        i = self.info
        log(f"stack up: ingress {i['ingress_url']} admin {i['admin_url']} mailbox {i['mailbox_url']} stripe {i['stripe_url']}")

    def control(self, command, check=True):
        with self.lock:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline().strip()
        if check and not answer.startswith("ok "):
            raise CheckFailed(f"control {command!r} failed: {answer!r}")
        return answer

    def close(self, keep=False):
        if self.own_endpoint is not None:
            stop_process(self.own_endpoint)
            self.own_endpoint = None
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # end of stdin: `up` stops every process
            except OSError:
                pass
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                log("`up` did not stop within 60 s; killing its process group")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # anything of its group left behind (it started its children in its own group)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.stderr.close()
        if keep or os.environ.get("JOURNAL_CHECK_KEEP"):
            log(f"stack stopped (its data and logs kept in {self.base})")
        else:
            import shutil
            shutil.rmtree(self.base, ignore_errors=True)
            log("stack stopped (its temp dir removed; JOURNAL_CHECK_KEEP=1 keeps it)")

    # -- Restate ------------------------------------------------------------------------------
    def sql(self, query):
        status, body = http("POST", f"{self.info['admin_url']}/query", {"query": query},
                            headers={"accept": "application/json"})
        if status != 200 or not isinstance(body, dict) or "rows" not in body:
            raise CheckFailed(f"query {query!r} answered {status} {body}")
        return body["rows"]

    # -- the endpoint process -----------------------------------------------------------------
    def endpoint_pid(self):
        """The pid of the `deskflow serve` child of `up`."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid != self.proc.pid:
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if len(argv) > 1 and argv[1] == b"serve":
                return int(pid)
        return None

    def switch_endpoint(self, new_binary, tweak=None):
        """Replaces `up`'s endpoint by `<new_binary> serve` with the same environment and cwd
        (`tweak`: settings changed on purpose, for the self-test of the check only)."""
        pid = self.endpoint_pid()
        if pid is None:
            raise CheckFailed("no `serve` child of `up` found")
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        env = {k.decode(): v.decode() for k, v in env.items()}
        cwd = os.readlink(f"/proc/{pid}/cwd")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            old_exe = f.read().split(b"\0")[0].decode()
        log(f"old endpoint pid {pid}: {old_exe} serve, cwd {cwd}, {len(env)} env vars "
            f"(endpoint {env.get('DESKFLOW_ENDPOINT_ADDR')}, http {env.get('DESKFLOW_HTTP_ADDR')})")
        if tweak:
            log(f"SELF-TEST: the new endpoint gets {tweak} (a deliberately different code path)")
            env.update(tweak)
        self.control("stop deskflow")
        wait_for(lambda: not port_open(env["DESKFLOW_ENDPOINT_ADDR"]) or None, 30, "old endpoint to close its port")
        self.own_endpoint_log = os.path.join(self.data_dir, "logs", "deskflow-new.log")
        out = open(self.own_endpoint_log, "ab")
        self.own_endpoint = subprocess.Popen(
            [os.path.abspath(new_binary), "serve"], cwd=cwd, env=env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        out.close()
        health = f"{self.info['http_url']}/health"

        def up():
            if self.own_endpoint.poll() is not None:
                raise CheckFailed(f"new endpoint exited with {self.own_endpoint.returncode}; see {self.own_endpoint_log}")
            try:
                return http("GET", health, timeout=2)[0] == 200 or None
            except OSError:
                return None
        wait_for(up, 90, "new endpoint /health")
        log(f"new endpoint up: pid {self.own_endpoint.pid} ({os.path.abspath(new_binary)} serve), log {self.own_endpoint_log}")
        return env


def stop_process(p, grace=10):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def port_open(addr):
    import socket
    host, port = addr.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def wait_for(f, limit, what, every=0.25):
    deadline = time.monotonic() + limit
    while True:
        v = f()
        if v is not None:
            return v
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {limit} s waiting for {what}")
        time.sleep(every)


# --- the API, as the journey tests call it (harness/client.rs, provider.rs) ------------------

def open_timezone():
    """harness/client.rs `open_timezone`: local midnight an hour before now (or 08:00 UTC)."""
    h = datetime.now(timezone.utc).hour
    midnight_utc = 8 if 11 <= h <= 16 else (h + 23) % 24
    off = (24 - midnight_utc) % 24
    if off > 14:
        off -= 24
    if off == 0:
        return "UTC"
    return f"Etc/GMT-{off}" if off > 0 else f"Etc/GMT+{-off}"


def rfc3339(t):
    return t.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_in(from_secs, len_secs):
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=from_secs)
    return rfc3339(start), rfc3339(start + timedelta(seconds=len_secs))


class Api:
    def __init__(self, stack):
        self.s = stack
        self.ingress = stack.info["ingress_url"]
        self.tz = open_timezone()
        self.n = 0
        self.run_ids = {}

    def post(self, path, body, token=None, timeout=60):
        h = {"authorization": f"Bearer {token}"} if token else {}
        return http("POST", f"{self.ingress}/{path}", body if body is not None else {}, headers=h, timeout=timeout)

    def ok(self, path, body, token=None):
        status, b = self.post(path, body, token)
        if status != 200:
            raise CheckFailed(f"{path}: expected 200, got {status} {b}")
        return b

    def admin_token(self):
        return self.ok("Auth/login", {"email": ADMIN[0], "password": ADMIN[1]})["token"]

    def new_member(self, name):
        self.n += 1
        email = f"{name.lower()}-{os.getpid()}-{self.n}-{int(time.time() * 1000)}@journeys.test"
        r = self.ok("Auth/register", {"email": email, "password": "password-123", "name": name})
        return {"user_id": r["user_id"], "token": r["token"], "email": email}

    def open_workspace(self, admin, capacity, name):
        r = self.ok("Workspaces/create", {
            "name": f"{name} {self.n}-{int(time.time() * 1000)}", "location": "Lab", "timezone": self.tz,
            "capacity": capacity, "hourly_rate_cents": 1000, "currency": "EUR",
            "opens_at": "00:00", "closes_at": "23:59"}, admin)
        return r["workspace_id"]

    def book(self, member, ws, slot, pm="pm_card_visa", waitlist=None):
        body = {"workspace_id": ws, "starts_at": slot[0], "ends_at": slot[1], "seats": 1, "payment_method": pm}
        if waitlist is not None:
            body["waitlist"] = waitlist
        r = self.ok("Bookings/create", body, member["token"])
        if r.get("status") != "pending":
            raise CheckFailed(f"Bookings/create answered {r}")
        return r["booking_id"]

    def status(self, member, booking):
        return self.ok(f"Booking/{booking}/status", {}, member["token"])

    def wait_status(self, member, booking, wanted, limit=120):
        """Polls `status` (and long-polls `wait` for confirmed/final) until one of `wanted`."""
        wanted = [wanted] if isinstance(wanted, str) else wanted
        last = {}

        def look():
            nonlocal last
            st, b = self.post(f"Booking/{booking}/status", {}, member["token"])
            if st == 200:
                last = b
                if b.get("status") in wanted:
                    return b
            return None
        try:
            return wait_for(look, limit, f"booking {booking} to be {wanted}", every=0.3)
        except CheckFailed as e:
            raise CheckFailed(f"{e}; last status {last.get('status')} ({last.get('reason')})")

    def cancel(self, token, booking, reason="journal check"):
        return self.ok(f"Booking/{booking}/cancel", {"reason": reason}, token)

    def reschedule(self, member, booking, slot):
        return self.ok(f"Booking/{booking}/reschedule", {"starts_at": slot[0], "ends_at": slot[1]}, member["token"])

    # -- localstripe ---------------------------------------------------------------------------
    def stripe(self, method, path, form=None):
        st, b = http(method, f"{self.s.info['stripe_url']}{path}", form=form, auth="sk_test_journeys")
        if st != 200:
            raise CheckFailed(f"localstripe {path}: {st} {b}")
        return b

    def three_d_secure_card(self):
        return self.stripe("POST", "/v1/payment_methods", [
            ("type", "card"), ("card[number]", "4000002500003155"),
            ("card[exp_month]", "12"), ("card[exp_year]", "2030"), ("card[cvc]", "123")])["id"]

    def authenticate(self, client_secret, success=True):
        pi = client_secret.split("_secret_")[0]
        return self.stripe("POST", f"/v1/payment_intents/{pi}/_authenticate",
                           [("client_secret", client_secret), ("success", "true" if success else "false")])

    def send_webhook(self, body, secret=WEBHOOK_SECRET):
        """harness/provider.rs `send_webhook`: signed as Stripe does (t=..,v1=HMAC-SHA256)."""
        import hashlib
        import hmac
        payload = json.dumps(body, separators=(",", ":")).encode()
        t = int(time.time())
        sig = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        req = urllib.request.Request(f"{self.s.info['http_url']}/webhooks/stripe", data=payload,
                                     headers={"stripe-signature": f"t={t},v1={sig}"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def authenticate_and_tell(self, client_secret):
        """The member authenticates (localstripe), and the provider's webhook tells deskflow
        (localstripe sends none for a manual-capture PaymentIntent; the journey tests send it
        signed, as here: bookings/cards.rs, bookings/faults.rs)."""
        r = self.authenticate(client_secret, True)
        if r.get("status") != "requires_capture":
            raise CheckFailed(f"authentication at localstripe answered {r.get('status')}")
        pi = client_secret.split("_secret_")[0]
        event = {"id": f"evt_{os.getpid()}_{int(time.time() * 1e6)}", "type": "payment_intent.amount_capturable_updated",
                 "data": {"object": {"id": pi, "object": "payment_intent"}}}
        return wait_for(lambda: (lambda r: r if r[0] == 200 else None)(self.send_webhook(event)), 30, "the webhook to be taken")

    # -- maildev -------------------------------------------------------------------------------
    def subjects(self, email):
        st, all_mail = http("GET", f"{self.s.info['mailbox_url']}/api/email")
        if st != 200:
            return []
        return sorted(m.get("subject", "") for m in all_mail
                      if any(a.get("address") == email for a in (m.get("to") or [])))

    # -- Restate's view of a booking's `run` -----------------------------------------------------
    def run_invocation(self, booking):
        rows = self.s.sql(
            "SELECT id, status, last_failure, last_failure_error_code, completion_result, completion_failure, "
            "journal_size, journal_retention, completion_retention "
            f"FROM sys_invocation WHERE target = 'Booking/{booking}/run'")
        return rows[0] if rows else None

    def wait_run(self, booking, statuses, limit=60):
        statuses = [statuses] if isinstance(statuses, str) else statuses

        def look():
            r = self.run_invocation(booking)
            return r if r and r["status"] in statuses else None
        try:
            return wait_for(look, limit, f"Booking/{booking}/run to be {statuses}", every=0.3)
        except CheckFailed as e:
            raise CheckFailed(f"{e}; it is {self.run_invocation(booking)}")

    def wait_settled_suspended(self, booking, journal_quiet=1.0, limit=60):
        """The run is suspended and its journal no longer grows (late notifications, such as a
        one-way call's invocation id, are in)."""
        self.wait_run(booking, "suspended", limit)
        size, since = None, time.monotonic()

        def look():
            nonlocal size, since
            r = self.run_invocation(booking)
            if r["status"] != "suspended":
                raise CheckFailed(f"Booking/{booking}/run left `suspended` on its own: {r}")
            if r["journal_size"] != size:
                size, since = r["journal_size"], time.monotonic()
                return None
            return r if time.monotonic() - since >= journal_quiet else None
        return wait_for(look, limit, f"Booking/{booking}/run journal to settle")


# --- journal rows ----------------------------------------------------------------------------

def entry_detail(row):
    """The deterministic part of a journal entry (from `entry_lite_json`): the state or promise
    key, the call's Service/handler, the run's name, a notification's kind, id and result kind;
    never invocation ids, payloads or wake-up times."""
    try:
        lite = json.loads(row.get("entry_lite_json") or "{}")
    except ValueError:
        return ""
    parts = []
    if "Command" in lite:
        for kind, body in lite["Command"].items():
            body = body or {}
            if "key" in body:
                parts.append(f"key={body['key']}")
            t = body.get("invocation_target") or body.get("target")
            if isinstance(t, dict):
                for ty, tb in t.items():
                    if isinstance(tb, dict):
                        parts.append(f"target={tb.get('name')}/{tb.get('handler')}")
            if body.get("name"):
                parts.append(f"name={body['name']}")
            if "completion_id" in body:
                parts.append(f"completion={body['completion_id']}")
    elif "Notification" in lite:
        n = lite["Notification"]
        ty = n.get("ty")
        if isinstance(ty, dict):
            ty = ",".join(f"{k}:{v}" for k, v in ty.items())
        nid = n.get("id")
        if isinstance(nid, dict):
            nid = ",".join(f"{k}:{v}" for k, v in nid.items())
        res = n.get("result")
        if isinstance(res, dict):
            res = ",".join(res.keys())
        parts += [f"ty={ty}", f"id={nid}", f"result={res}"]
    return " ".join(parts)


def read_journal(stack, invocation_id):
    rows = stack.sql(
        "SELECT index, entry_type, name, entry_lite_json FROM sys_journal "
        f"WHERE id = '{invocation_id}' ORDER BY index")
    journal = [[r["index"], r["entry_type"], r.get("name") or ""] for r in rows]
    detail = [[r["index"], r["entry_type"], entry_detail(r)] for r in rows]
    return journal, detail


# --- record ----------------------------------------------------------------------------------

class Recorder:
    def __init__(self, stack):
        self.s = stack
        self.api = Api(stack)
        self.admin = self.api.admin_token()
        self.bookings = {}  # scenario -> dict
        self.problems = []

    def track(self, name, booking, member):
        self.bookings[name] = {"booking_id": booking, "member": member, "facts": {}}
        log(f"{name}: booking {booking}")

    def suspended(self, name, label):
        """Waits until the booking's run is suspended with a quiet journal, or has completed (a
        confirmed booking in the default shape: its run ends handing it on to its
        ConfirmedBooking object); notes its length."""
        b = self.bookings[name]
        inv = self.api.wait_run(b["booking_id"], ["suspended", "completed"])
        if inv["status"] == "completed":
            b.setdefault("suspended_at", []).append([f"{label} (run ended: handed on)", inv["journal_size"]])
            b["journal_while_suspended"] = read_journal(self.s, inv["id"])[0]
            return inv
        inv = self.api.wait_settled_suspended(b["booking_id"])
        b.setdefault("suspended_at", []).append([label, inv["journal_size"]])
        # the journal as it stands while suspended (compared with the one after completion)
        b["journal_while_suspended"] = read_journal(self.s, inv["id"])[0]
        return inv

    # a. confirmed, reminded, completed
    def confirmed_completed(self):
        api, name = self.api, "a_confirmed_completed"
        m = api.new_member("Ada")
        ws = api.open_workspace(self.admin, 1, "A")
        slot = slot_in(40, 20)
        bid = api.book(m, ws, slot)
        self.track(name, bid, m)
        api.wait_status(m, bid, "confirmed")
        self.suspended(name, "confirmed, sleeping until the reminder")
        # the reminder's timer fires 3 s before the start; the run then sleeps until the end
        api.wait_status(m, bid, "completed", limit=120)
        try:
            subjects = wait_for(lambda: (lambda s: s if any(x.startswith("Reminder:") for x in s) else None)(api.subjects(m["email"])),
                                20, "the reminder email")
        except CheckFailed:
            subjects = api.subjects(m["email"])
            # the run reminds only when its clock step, after the timer 3 s before the start,
            # still reads a time before the start: on a very loaded machine it can miss that
            self.problems.append(f"{name}: no reminder email (the reminder timer's wake-up came after the start? "
                                 "a loaded machine; run again): {subjects}")
        self.bookings[name]["facts"]["emails"] = [s.split(":")[0] for s in subjects]

    # b. confirmed, then cancelled by the member
    def cancelled(self):
        api, name = self.api, "b_cancelled"
        m = api.new_member("Bob")
        ws = api.open_workspace(self.admin, 1, "B")
        bid = api.book(m, ws, slot_in(3600, 3600))
        self.track(name, bid, m)
        api.wait_status(m, bid, "confirmed")
        self.suspended(name, "confirmed")
        r = api.cancel(m["token"], bid)
        self.bookings[name]["facts"]["cancel"] = r

    # c. rescheduled up (a charge), down (a refund), then cancelled
    def rescheduled(self):
        api, name = self.api, "c_rescheduled"
        m = api.new_member("Cy")
        ws = api.open_workspace(self.admin, 1, "C")
        bid = api.book(m, ws, slot_in(3600, 3600))
        self.track(name, bid, m)
        api.wait_status(m, bid, "confirmed")
        self.suspended(name, "confirmed")
        up = api.reschedule(m, bid, slot_in(7200, 7200))
        if not up.get("charged_cents"):
            raise CheckFailed(f"{name}: the longer slot charged nothing: {up}")
        self.suspended(name, "rescheduled up")
        down = api.reschedule(m, bid, slot_in(7200, 1800))
        if not down.get("refunded_cents"):
            raise CheckFailed(f"{name}: the shorter slot refunded nothing: {down}")
        self.suspended(name, "rescheduled down")
        r = api.cancel(m["token"], bid)
        self.bookings[name]["facts"].update({"reschedule_up": up, "reschedule_down": down, "cancel": r})

    # d. 3-D Secure: awaiting payment, authenticated, confirmed, cancelled
    def three_d_secure(self):
        api, name = self.api, "d_3ds"
        m = api.new_member("Dee")
        ws = api.open_workspace(self.admin, 1, "D")
        pm = api.three_d_secure_card()
        bid = api.book(m, ws, slot_in(3600, 3600), pm=pm)
        self.track(name, bid, m)
        api.wait_status(m, bid, "awaiting_payment")
        self.suspended(name, "awaiting authentication")
        secret = api.status(m, bid)["payment"].get("client_secret")
        if not secret:
            raise CheckFailed(f"{name}: no client_secret while awaiting payment")
        api.authenticate_and_tell(secret)
        api.wait_status(m, bid, "confirmed")
        self.suspended(name, "confirmed")
        self.bookings[name]["facts"]["cancel"] = api.cancel(m["token"], bid)

    # e. waitlisted: the holder cancels, the waiting booking is served and confirmed
    def waitlisted(self):
        api = self.api
        ws = api.open_workspace(self.admin, 1, "E")
        slot = slot_in(3600, 3600)
        a = api.new_member("Eve")
        holder = api.book(a, ws, slot)
        self.track("e_seat_holder", holder, a)
        api.wait_status(a, holder, "confirmed")
        self.suspended("e_seat_holder", "confirmed")
        b = api.new_member("Fay")
        waiter = api.book(b, ws, slot, waitlist=True)
        self.track("e_waitlisted", waiter, b)
        api.wait_status(b, waiter, "waitlisted")
        self.suspended("e_waitlisted", "waitlisted")
        self.bookings["e_seat_holder"]["facts"]["cancel"] = api.cancel(a["token"], holder)
        api.wait_status(b, waiter, "confirmed")
        self.suspended("e_waitlisted", "served and confirmed")
        self.bookings["e_waitlisted"]["facts"]["cancel"] = api.cancel(b["token"], waiter)

    # f. an admin cancels a confirmed booking
    def admin_cancelled(self):
        api, name = self.api, "f_admin_cancelled"
        m = api.new_member("Gus")
        ws = api.open_workspace(self.admin, 1, "F")
        bid = api.book(m, ws, slot_in(3600, 3600))
        self.track(name, bid, m)
        api.wait_status(m, bid, "confirmed")
        self.suspended(name, "confirmed")
        self.bookings[name]["facts"]["cancel"] = api.ok(
            "Admin/cancel_booking", {"booking_id": bid, "reason": "journal check (admin)"}, self.admin)

    def finish(self):
        """Every run completed; final status and journal of each."""
        out = {}
        for name, b in sorted(self.bookings.items()):
            bid = b["booking_id"]
            inv = self.api.wait_run(bid, "completed", limit=120)
            st = self.api.status(b["member"], bid)
            journal, detail = read_journal(self.s, inv["id"])
            while_suspended = b.get("journal_while_suspended", [])
            out[name] = {
                "booking_id": bid,
                "final_status": st["status"],
                "reason": st.get("reason"),
                "payment": st.get("payment"),
                "run": {"status": inv["status"], "completion_result": inv.get("completion_result"),
                        "completion_failure": inv.get("completion_failure"),
                        "journal_retention": inv.get("journal_retention"),
                        "completion_retention": inv.get("completion_retention")},
                # read after completion: from Input to Output, nothing purged
                "journal_complete": bool(journal) and journal[0][1] == "Command: Input" and journal[-1][1] == "Command: Output"
                                    and [e[0] for e in journal] == list(range(len(journal))),
                "suspended_at": b.get("suspended_at", []),
                "facts": b["facts"],
                # the last journal read while suspended must be a prefix of the final one
                "journal_while_suspended_is_prefix": journal[:len(while_suspended)] == while_suspended,
                "journal": journal,
                "journal_detail": detail,
            }
        return out


EXPECTED_RECORD = {
    "a_confirmed_completed": "completed",
    "b_cancelled": "cancelled",
    "c_rescheduled": "cancelled",
    "d_3ds": "cancelled",
    "e_seat_holder": "cancelled",
    "e_waitlisted": "cancelled",
    "f_admin_cancelled": "cancelled",
}


def sha256(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cmd_record(binary, out_path):
    started = time.time()
    stack = Stack(binary, TEST_ENV + EXTRA_ENV, "record")
    problems = []
    try:
        rec = Recorder(stack)
        # a. runs on its own clock (40 s to the start, 20 s long): the others meanwhile
        errors = []

        def run_a():
            try:
                rec.confirmed_completed()
            except Exception as e:  # reported below
                errors.append(e)
        t = threading.Thread(target=run_a)
        t.start()
        time.sleep(5)  # `a` booked and confirmed before the others load the machine
        for scenario in (rec.cancelled, rec.rescheduled, rec.three_d_secure, rec.waitlisted, rec.admin_cancelled):
            log(f"scenario {scenario.__name__}")
            scenario()
        t.join()
        if errors:
            raise errors[0]
        bookings = rec.finish()
        problems += rec.problems
        # journal retention: the completed runs' journals are read above, after completion
        for name, want in EXPECTED_RECORD.items():
            b = bookings.get(name)
            if b is None or b["final_status"] != want:
                problems.append(f"{name}: expected {want}, got {b and b['final_status']}")
            elif b["run"]["completion_result"] != "success":
                problems.append(f"{name}: run ended {b['run']}")
            elif not b["journal_complete"]:
                problems.append(f"{name}: the journal read after completion is not complete (Input..Output)")
            elif not b["journal_while_suspended_is_prefix"]:
                problems.append(f"{name}: the journal read while suspended is not a prefix of the final one")
        failures = failures_now(stack)
        version = stack.sql("SELECT created_using_restate_version FROM sys_invocation LIMIT 1")
        keep = bool(problems)
        result = {
            "mode": "record",
            "binary": os.path.abspath(binary),
            "binary_sha256": sha256(binary),
            "restate_version": version[0].get("created_using_restate_version") if version else None,
            "started_at": datetime.fromtimestamp(started, timezone.utc).isoformat(),
            "duration_secs": round(time.time() - started, 1),
            "journal_retention_note": "journals of completed runs are read after completion "
                                      "(Booking/run keeps its journal: restate.toml default-journal-retention = 1d)",
            "invocation_failures_seen_at_end": failures,
            "problems": problems,
            "bookings": bookings,
        }
    except BaseException:
        stack.close(keep=True)
        raise
    stack.close(keep=keep)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"record: {len(result['bookings'])} bookings written to {out_path} in {result['duration_secs']} s")
    for name, b in result["bookings"].items():
        print(f"  {name:24} {b['final_status']:10} journal {len(b['journal'])} entries  {b['facts'] and json.dumps(b['facts'], sort_keys=True)}")
    for p in problems:
        print(f"  PROBLEM: {p}")
    return 1 if problems else 0


# --- diff ------------------------------------------------------------------------------------

def split_journal(detail):
    """(commands in order, notifications as a sorted list), each without its index."""
    commands = [[t, d] for _, t, d in detail if t.startswith("Command:")]
    notifications = sorted([t, d] for _, t, d in detail if not t.startswith("Command:"))
    return commands, notifications


def cmd_diff(a_path, b_path):
    """Compares two records booking by booking: final status, then the journal entry for entry
    ([index, entry_type, name] and the detail). A journal that differs only in WHERE
    notifications sit (same commands in the same order with the same details; the same
    notifications, by completion or signal id and result kind) is reported as such and
    accepted: Restate appends a notification when the completion arrives, so its position
    among the commands is timing; the SDK matches notifications by id on replay, and checks
    only the commands against the code."""
    a, b = (json.load(open(p)) for p in (a_path, b_path))
    differences, placement_only = 0, 0
    for name in sorted(set(a["bookings"]) | set(b["bookings"])):
        x, y = a["bookings"].get(name), b["bookings"].get(name)
        if x is None or y is None:
            print(f"{name}: only in {'b' if x is None else 'a'}")
            differences += 1
            continue
        if x["final_status"] != y["final_status"]:
            print(f"{name}: final status {x['final_status']} vs {y['final_status']}")
            differences += 1
        if x["journal"] == y["journal"] and x["journal_detail"] == y["journal_detail"]:
            print(f"{name}: identical ({len(x['journal'])} entries)")
            continue
        cx, nx = split_journal(x["journal_detail"])
        cy, ny = split_journal(y["journal_detail"])
        same_names = [e[1:] for e in x["journal"] if e[1].startswith("Command:")] == \
                     [e[1:] for e in y["journal"] if e[1].startswith("Command:")]
        if cx == cy and nx == ny and same_names:
            placement_only += 1
            moved = [(e, f) for e, f in zip(x["journal_detail"], y["journal_detail"]) if e != f]
            print(f"{name}: same commands and notifications; only the placement of notifications differs:")
            for e, f in moved[:20]:
                print(f"   {e}\n   {f}")
            continue
        differences += 1
        for key in ("journal", "journal_detail"):
            jx, jy = x[key], y[key]
            if jx == jy:
                continue
            print(f"{name}: {key} DIFFERS ({len(jx)} vs {len(jy)} entries)")
            shown = 0
            for i in range(max(len(jx), len(jy))):
                ex = jx[i] if i < len(jx) else None
                ey = jy[i] if i < len(jy) else None
                if ex != ey:
                    print(f"   a {ex}\n   b {ey}")
                    shown += 1
                    if shown >= 15:
                        print("   ...")
                        break
    if differences:
        print(f"DIFFERENT: {differences} booking(s) differ")
        return 1
    if placement_only:
        print(f"SAME up to the placement of notifications in {placement_only} booking(s)")
        return 0
    print("IDENTICAL: every journal the same entry for entry")
    return 0


# --- failures --------------------------------------------------------------------------------

MISMATCH = re.compile(r"mismatch|non-?determinis|code paths taken|\[57[0-3]\b", re.I)
# Restate's codes for what the SDK reports as 570 (journal mismatch) / 571 (protocol violation)
MISMATCH_CODES = {"RT0016", "RT0012"}


def failures_now(stack):
    rows = stack.sql(
        "SELECT id, target, status, retry_count, last_failure, last_failure_error_code, "
        "last_failure_related_entry_name, last_failure_related_entry_type, completion_result, completion_failure "
        "FROM sys_invocation WHERE last_failure IS NOT NULL OR completion_failure IS NOT NULL "
        "OR status IN ('backing-off', 'paused')")
    return rows


def is_mismatch(f):
    code = str(f.get("last_failure_error_code") or "")
    text = " ".join(str(f.get(k) or "") for k in ("last_failure", "completion_failure"))
    return code in MISMATCH_CODES or code in ("570", "571", "572", "573") or bool(MISMATCH.search(text))


class FailureMonitor(threading.Thread):
    """Samples sys_invocation every second: every invocation seen with a failure (a failure is
    gone from sys_invocation once the invocation succeeds, and completed services are purged)."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.s = stack
        self.phase = "before switch"
        self.seen = {}
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.sample()
            self.stop_flag.wait(1.0)

    def sample(self):
        try:
            rows = failures_now(self.s)
        except Exception as e:  # the admin API may hiccup; the next sample retries
            log(f"failure monitor: {e}")
            return
        for r in rows:
            msg = (r.get("last_failure") or r.get("completion_failure") or "").strip()
            key = (r["target"].split("/")[0] + "/" + r["target"].split("/")[-1], r.get("status"),
                   r.get("last_failure_error_code"), msg.splitlines()[0][:300] if msg else "")
            e = self.seen.setdefault(key, {
                "target_kind": key[0], "example_target": r["target"], "example_id": r["id"],
                "status": r.get("status"), "error_code": r.get("last_failure_error_code"),
                "message": msg[:1500], "related_entry": r.get("last_failure_related_entry_name") or r.get("last_failure_related_entry_type"),
                "first_seen": f"{time.monotonic() - T0:.1f}s", "phase": self.phase, "samples": 0,
                "invocations": set(), "mismatch": is_mismatch(r)})
            e["samples"] += 1
            e["invocations"].add(r["id"])
            e["max_retry_count"] = max(e.get("max_retry_count") or 0, r.get("retry_count") or 0)

    def report(self):
        out = []
        for e in self.seen.values():
            e = dict(e)
            e["invocations"] = len(e["invocations"])
            out.append(e)
        return out


# --- replay ----------------------------------------------------------------------------------

class Case:
    def __init__(self, name, expect):
        self.name, self.expect = name, expect
        self.booking = None
        self.member = None
        self.before_switch = None
        self.steps = []
        self.ok = None
        self.error = None

    def note(self, what):
        self.steps.append(what)
        log(f"{self.name}: {what}")

    def as_json(self, api):
        st = None
        try:
            st = api.status(self.member, self.booking) if self.booking else None
        except Exception as e:
            st = {"status": f"unreadable: {e}"}
        inv = api.run_invocation(self.booking) if self.booking else None
        return {"booking_id": self.booking, "expected": self.expect, "ok": self.ok, "error": self.error,
                "status_before_switch": self.before_switch,
                "final_status": st and st.get("status"), "reason": st and st.get("reason"),
                "payment": st and st.get("payment"),
                "run": inv and {k: inv.get(k) for k in ("status", "completion_result", "completion_failure", "last_failure", "journal_size")},
                "steps": self.steps}


def cmd_replay(old_binary, new_binary, out_path):
    started = time.time()
    env = TEST_ENV + REPLAY_OVERRIDES + EXTRA_ENV
    stack = Stack(old_binary, env, "replay")
    mon = FailureMonitor(stack)
    mon.start()
    api = Api(stack)
    cases = {}
    registration = {}
    problems = []
    timings = {}
    switch_at = None
    try:
        admin = api.admin_token()

        def new_case(key, name, expect):
            c = Case(name, expect)
            cases[key] = c
            return c

        def setup(c, member_name, capacity, slot, pm="pm_card_visa", want="confirmed", ws=None, waitlist=None):
            c.member = api.new_member(member_name)
            ws = ws or api.open_workspace(admin, capacity, member_name)
            c.booking = api.book(c.member, ws, slot, pm=pm, waitlist=waitlist)
            c.note(f"booked {c.booking} {slot[0]}..{slot[1]}")
            api.wait_status(c.member, c.booking, want)
            c.note(want)
            return ws

        # --- on the OLD binary: a booking suspended at each wait ---------------------------
        ii = new_case("ii", "ii_cancel_after_switch", "cancelled, refund > 0")
        setup(ii, "Ivy", 1, slot_in(3600, 3600))
        iii = new_case("iii", "iii_reschedule_after_switch", "confirmed after a charged reschedule, then cancelled")
        setup(iii, "Ian", 1, slot_in(3600, 3600))
        iv = new_case("iv", "iv_3ds_authenticated_after_switch", "confirmed after authentication, then cancelled")
        setup(iv, "Ida", 1, slot_in(3600, 3600), pm=api.three_d_secure_card(), want="awaiting_payment")
        vh = new_case("v_holder", "v_seat_holder", "cancelled (frees the seat)")
        slot_v = slot_in(3600, 3600)
        ws_v = setup(vh, "Val", 1, slot_v)
        v = new_case("v", "v_waitlisted_served_after_switch", "confirmed once the holder cancels, then cancelled")
        for c in (ii, iii, iv, vh):
            api.wait_settled_suspended(c.booking)
            c.note("run suspended")
        setup(v, "Vic", 1, slot_v, want="waitlisted", ws=ws_v, waitlist=True)
        api.wait_settled_suspended(v.booking)
        v.note("run suspended")
        # (i) last but one: its reminder is due 117 s after booking, after the switch
        i = new_case("i", "i_sleeping_until_reminder_and_end", "completed, reminder sent")
        i_reminder = time.monotonic() + 117  # the slot starts in 120 s; the reminder 3 s before
        setup(i, "Ike", 1, slot_in(120, 30))
        api.wait_settled_suspended(i.booking)
        i.note("run suspended")
        # (vi) the provider down: the authorization retries across the switch
        vi = new_case("vi", "vi_provider_down_across_switch", "confirmed once localstripe is back, then cancelled")
        stack.control("stop localstripe")
        vi.note("localstripe stopped")
        setup(vi, "Una", 1, slot_in(3600, 3600), want="held")

        def authorize_retrying():
            rows = stack.sql(f"SELECT status, last_failure, retry_count FROM sys_invocation WHERE target = 'Payment/{vi.booking}/authorize'")
            return rows[0] if rows and rows[0].get("last_failure") else None
        r = wait_for(authorize_retrying, 60, "Payment/authorize to retry")
        vi.note(f"Payment/{vi.booking}/authorize is {r['status']} (retry {r.get('retry_count')}): {(r.get('last_failure') or '')[:120]}")

        for c in cases.values():
            inv = api.run_invocation(c.booking)
            c.before_switch = {"status": api.status(c.member, c.booking)["status"], "run": inv["status"],
                               "journal_size": inv["journal_size"]}
        log("before the switch: " + ", ".join(f"{c.name}={c.before_switch['status']}/{c.before_switch['run']}" for c in cases.values()))

        # --- the switch ------------------------------------------------------------------
        mon.sample()
        deployments_before = http("GET", f"{stack.info['admin_url']}/deployments")[1]
        t = time.monotonic()
        tweak = dict(kv.split("=", 1) for kv in os.environ.get("JOURNAL_CHECK_SELFTEST_NEW_ENV", "").split(",") if "=" in kv)
        if tweak:
            problems.append(f"self-test: the new endpoint ran with {tweak}; a pass means nothing")
        mon.phase = "during switch (old endpoint stopping)"
        stack.switch_endpoint(new_binary, tweak)
        mon.phase = "after switch"
        switch_at = time.monotonic()
        timings["switch_secs"] = round(switch_at - t, 1)
        if switch_at > i_reminder - 5:
            problems.append("the switch came too late for (i): its reminder may have fired on the old binary")
        # re-registering the same URL: first as a plain registration, then as `up` does
        st, body = http("POST", f"{stack.info['admin_url']}/deployments", {"uri": stack.info["endpoint_url"]})
        registration["plain"] = {"status": st, "answer": body if st >= 300 else {k: body.get(k) for k in ("id",) if isinstance(body, dict)}}
        log(f"re-register (no force): {st} {str(body)[:300]}")
        if st >= 300:
            ans = stack.control("register", check=False)
            registration["force_like_up"] = ans
            log(f"re-register as `up` does (force): {ans}")
            if not ans.startswith("ok "):
                problems.append(f"re-registering the endpoint failed: {ans}")
        deployments_after = http("GET", f"{stack.info['admin_url']}/deployments")[1]
        registration["deployments_before"] = [d.get("id") for d in (deployments_before or {}).get("deployments", [])]
        registration["deployments_after"] = [d.get("id") for d in (deployments_after or {}).get("deployments", [])]

        # --- driven forward on the NEW binary ---------------------------------------------
        def mismatch_seen():
            return any(e["mismatch"] for e in list(mon.seen.values()))

        def drive(c, f):
            if mismatch_seen():
                c.ok = False
                c.error = "not driven: a journal mismatch was seen already"
                return
            try:
                f()
                c.ok = True
            except Exception as e:
                c.ok = False
                c.error = str(e)
                log(f"{c.name}: FAILED: {e}")

        def do_vi():
            stack.control("start localstripe")
            vi.note("localstripe started")
            api.wait_status(vi.member, vi.booking, "confirmed", limit=180)
            vi.note("confirmed")
            r = api.cancel(vi.member["token"], vi.booking)
            vi.note(f"cancelled: {r}")
            if r.get("status") != "cancelled":
                raise CheckFailed(f"cancel answered {r}")
        drive(vi, do_vi)

        def do_ii():
            r = api.cancel(ii.member["token"], ii.booking)
            ii.note(f"cancel answered {r}")
            if r.get("status") != "cancelled" or not r.get("refund_cents"):
                raise CheckFailed(f"expected cancelled with a refund, got {r}")
        drive(ii, do_ii)

        def do_iii():
            r = api.reschedule(iii.member, iii.booking, slot_in(7200, 7200))
            iii.note(f"reschedule answered {r}")
            if r.get("status") != "confirmed" or not r.get("charged_cents"):
                raise CheckFailed(f"expected a charged reschedule, got {r}")
            st = api.status(iii.member, iii.booking)
            if st["status"] != "confirmed" or st["payment"]["captured_cents"] <= 1000:
                raise CheckFailed(f"after the reschedule: {st}")
            r = api.cancel(iii.member["token"], iii.booking)
            iii.note(f"cancelled: {r}")
        drive(iii, do_iii)

        def do_iv():
            st = api.status(iv.member, iv.booking)
            secret = st["payment"].get("client_secret")
            if st["status"] != "awaiting_payment" or not secret:
                raise CheckFailed(f"not awaiting authentication: {st}")
            iv.note(f"authenticated at localstripe; webhook answered {api.authenticate_and_tell(secret)}")
            api.wait_status(iv.member, iv.booking, "confirmed")
            iv.note("confirmed")
            r = api.cancel(iv.member["token"], iv.booking)
            iv.note(f"cancelled: {r}")
        drive(iv, do_iv)

        def do_v():
            r = api.cancel(vh.member["token"], vh.booking)
            vh.note(f"holder cancelled: {r}")
            vh.ok = r.get("status") == "cancelled"
            api.wait_status(v.member, v.booking, "confirmed")
            v.note("served and confirmed")
            r = api.cancel(v.member["token"], v.booking)
            v.note(f"cancelled: {r}")
        drive(v, do_v)

        def do_i():
            api.wait_status(i.member, i.booking, "completed", limit=240)
            i.note("completed")
            subjects = wait_for(lambda: (lambda s: s if any(x.startswith("Reminder:") for x in s) else None)(api.subjects(i.member["email"])),
                                30, "the reminder email")
            i.note(f"emails: {subjects}")
        drive(i, do_i)

        # every run ended; how
        expected_final = {"i": "completed"}
        for key, c in cases.items():
            if mismatch_seen() and api.run_invocation(c.booking)["status"] != "completed":
                c.ok = False
                c.error = (c.error or "") + " run not completed (a journal mismatch was seen)"
                continue
            try:
                inv = api.wait_run(c.booking, "completed", limit=120)
                st = api.status(c.member, c.booking)["status"]
                want = expected_final.get(key, "cancelled")
                if st != want or inv.get("completion_result") != "success":
                    c.ok = False
                    c.error = (c.error or "") + f" ended {st} / run {inv.get('completion_result')} {inv.get('completion_failure') or ''}; expected {want}"
            except Exception as e:
                c.ok = False
                c.error = (c.error or "") + f" {e}"
        time.sleep(1.5)
        mon.sample()
    except Exception as e:
        problems.append(f"aborted: {e}")
        log(f"ABORTED: {e}")
    finally:
        mon.stop_flag.set()
        mon.join(timeout=5)
        try:
            report_cases = {c.name: c.as_json(api) for c in cases.values()}
        except Exception as e:
            report_cases = {c.name: {"ok": c.ok, "error": c.error, "steps": c.steps} for c in cases.values()}
            problems.append(f"could not read the final state: {e}")
        new_log_mismatch = []
        if stack.own_endpoint_log and os.path.exists(stack.own_endpoint_log):
            with open(stack.own_endpoint_log, errors="replace") as f:
                new_log_mismatch = [l.strip()[:400] for l in f if MISMATCH.search(l)]
        stack.close(keep=True)  # removed below when the replay passed

    failures = mon.report()
    for f in failures:
        if f["mismatch"]:
            problems.append(f"journal mismatch: {f['example_target']} [{f['error_code']}] {f['message'][:300]}")
        elif f["status"] == "paused":
            problems.append(f"paused invocation: {f['example_target']} [{f['error_code']}] {f['message'][:300]}")
    if new_log_mismatch:
        problems.append(f"the new endpoint logged {len(new_log_mismatch)} mismatch line(s): {new_log_mismatch[:3]}")
    for name, c in report_cases.items():
        if not c.get("ok"):
            problems.append(f"{name}: expected {c.get('expected')}; {c.get('error') or 'did not get there'}")
    result = {
        "mode": "replay",
        "old_binary": os.path.abspath(old_binary), "old_sha256": sha256(old_binary),
        "new_binary": os.path.abspath(new_binary), "new_sha256": sha256(new_binary),
        "env_overrides": dict(REPLAY_OVERRIDES),
        "started_at": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "duration_secs": round(time.time() - started, 1),
        "timings": timings,
        "registration": registration,
        "cases": report_cases,
        "invocation_failures": failures,
        "problems": problems,
        "passed": not problems,
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, default=str)
        f.write("\n")
    if result["passed"] and not os.environ.get("JOURNAL_CHECK_KEEP"):
        import shutil
        shutil.rmtree(stack.base, ignore_errors=True)
    else:
        result["kept"] = stack.base
        print(f"stack data and logs kept in {stack.base}")
    print_replay(result)
    return 0 if result["passed"] else 1


def print_replay(r):
    print(f"replay: old {r['old_binary']} -> new {r['new_binary']} ({r['duration_secs']} s, switch {r['timings'].get('switch_secs')} s)")
    reg = r["registration"]
    print(f"  re-registration of the same URL: plain POST /deployments -> {reg.get('plain', {}).get('status')}"
          + (f"; as `up` does (force) -> {reg['force_like_up']}" if "force_like_up" in reg else "")
          + f"; deployments before {reg.get('deployments_before')} after {reg.get('deployments_after')}")
    for name, c in r["cases"].items():
        print(f"  {'ok  ' if c.get('ok') else 'FAIL'} {name:36} before switch {(c.get('status_before_switch') or {}).get('status')}/{(c.get('status_before_switch') or {}).get('run')}"
              f" -> final {c.get('final_status')} (run {(c.get('run') or {}).get('status')} {(c.get('run') or {}).get('completion_result')})")
        if c.get("error"):
            print(f"       {c['error']}")
    print(f"  invocations seen with a failure: {len(r['invocation_failures'])}")
    for f in r["invocation_failures"]:
        flag = "MISMATCH" if f["mismatch"] else ("PAUSED" if f["status"] == "paused" else "transient")
        msg = f["message"].splitlines()[0][:160] if f["message"] else ""
        print(f"    [{flag}] {f['target_kind']} ({f['invocations']} invocation(s), {f['phase']}, {f['status']}, code {f['error_code']}, retries<={f.get('max_retry_count')}): {msg}")
    for p in r["problems"]:
        print(f"  PROBLEM: {p}")
    print("REPLAY PASSED" if r["passed"] else "REPLAY FAILED")


def main(argv):
    if len(argv) >= 3 and argv[0] == "record" and len(argv) == 3:
        return cmd_record(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "replay":
        return cmd_replay(argv[1], argv[2], argv[3])
    if len(argv) == 3 and argv[0] == "diff":
        return cmd_diff(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
