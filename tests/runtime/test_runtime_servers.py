"""The hook under real servers: gunicorn (sync, gthread) with Flask and Django, uvicorn with FastAPI.

Thresholds are scaled down (warning 0.2 s, violation 0.5 s) so the slow routes take about a second.
"""
from __future__ import annotations

import json
import threading
import time

import pytest
from capabilities import import_or_skip

import_or_skip("gunicorn", "servers", module_level=True)


def test_flask_under_gunicorn_sync_names_the_slow_route_and_its_blocking_call(tmp_path, rt):
    with rt.serve(rt.gunicorn("flask_app:app", "-k", "sync"), tmp_path) as server:
        assert server.get("/fast") == (200, b"fast")
        assert server.get("/report/7") == (200, b"report 7")
        assert server.get("/warn") == (200, b"warn")
        assert server.get("/close-callback") == (200, b"done")
        status, body = server.get("/stream")
        assert status == 200 and body.count(b"chunk") == 4
        assert server.get("/late-stream") == (200, b"late\n")
        assert server.get("/boom")[0] == 500
        assert server.get("/fast?user=alice&token=s3cret") == (200, b"fast")
    report = rt.merge(server.report_dir)
    app_file = rt.APPS / "flask_app.py"

    violation = rt.finding(report, "violation", "/report/<int:pk>")
    assert violation["method"] == "GET" and violation["count"] == 1
    assert violation["handler"] == {"qualname": "slow_report", "path": "tests/runtime/apps/flask_app.py",
                                    "line": rt.line_of(app_file, "def slow_report")}
    assert 1.0 <= violation["max_wait_s"] < 2.0
    assert violation["leaf"]["path"] == "tests/runtime/apps/flask_app.py"
    assert violation["leaf"]["line"] == rt.line_of(app_file, "time.sleep(float(")
    assert violation["leaf"]["call"] == "time.sleep"
    assert violation["kind"] == "sync-thread" and violation["samples"] >= 2
    # Measured on the forked worker's main thread (a stale native id after fork made it null).
    assert violation["cpu_share"] is not None and violation["cpu_share"] < 0.5  # sleeping, not computing

    assert rt.finding(report, "warning", "/warn")["leaf"]["line"] == rt.line_of(app_file, "time.sleep(0.3)")
    # Two violations out of everything served: the rule's own denominator.
    assert report["summary"]["requests"] == 8 and report["summary"]["violations"] == 2
    # A generator that blocks before its first chunk keeps the user waiting: the wait runs to that byte.
    late = rt.route(report, "/late-stream")
    assert late["violations"] == 1 and 1.0 <= late["max_wait_s"] < 2.0
    assert rt.route(report, "/fast")["count"] == 2
    # Work done in the WSGI close() callback runs after the response: never a finding.
    closing = rt.route(report, "/close-callback")
    assert closing["max_wait_s"] < 0.2 and closing["warnings"] == closing["violations"] == 0
    # A stream starts at once: its wait is short, its body time is measured apart, not a violation.
    streamed = rt.route(report, "/stream")
    assert streamed["max_wait_s"] < 0.2 and 0.9 <= streamed["max_stream_s"] < 2.0
    assert streamed["violations"] == 0 and streamed["long_streams"] == 1
    assert rt.route(report, "/boom")["statuses"] == {"5xx": 1}
    # Privacy: templates only; nothing of the query string reaches the shard.
    shard_text = "".join(p.read_text() for p in server.report_dir.glob("*.json"))
    assert "s3cret" not in shard_text and "alice" not in shard_text and "/report/7" not in shard_text


def test_gthread_counts_concurrent_requests_and_attributes_the_right_thread(tmp_path, rt):
    with rt.serve(rt.gunicorn("flask_app:app", "-k", "gthread", "--threads", "4"), tmp_path) as server:
        slow = threading.Thread(target=server.get, args=("/report/1",))
        slow.start()
        fast = [server.get("/fast") for _ in range(20)]
        slow.join(10)
    assert fast == [(200, b"fast")] * 20
    report = rt.merge(server.report_dir)
    assert rt.route(report, "/fast")["count"] == 20 and rt.route(report, "/fast")["violations"] == 0
    violation = rt.finding(report, "violation", "/report/<int:pk>")
    assert violation["count"] == 1 and violation["leaf"]["call"] == "time.sleep"
    assert violation["handler"]["qualname"] == "slow_report"
    assert report["run"]["servers"] == ["gunicorn"]


def test_worker_killed_by_gunicorn_timeout_still_left_its_shard(tmp_path, rt):
    options = ["-k", "sync", "--timeout", "1", "-c", str(rt.APPS / "gunicorn_conf.py")]
    # flush_s is long: only the worker_abort hook (or exit) can have written this evidence.
    with rt.serve(rt.gunicorn("flask_app:app", *options), tmp_path, APP_SLOW_S="30",
                  GREENIT_RUNTIME_FLUSH_S="300") as server:
        try:  # the worker dies under this request: gunicorn answers 500 or drops the connection
            assert server.get("/report/3", timeout=15)[0] >= 500
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while not list(server.report_dir.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert "WORKER TIMEOUT" in server.log.read_text()
    report = rt.merge(server.report_dir)
    violation = rt.finding(report, "violation", "/report/<int:pk>")
    assert violation["outcomes"] == {"server_killed": 1}
    assert violation["leaf"]["line"] == rt.line_of(rt.APPS / "flask_app.py", "time.sleep(float(")
    assert violation["max_wait_s"] >= 0.5


def test_a_failing_hook_never_changes_the_response(tmp_path, rt):
    with rt.serve(rt.gunicorn("flask_app:app", "-k", "sync"), tmp_path, APP_HOOK_FAULT="1") as server:
        answers = [server.get(path) for path in ("/fast", "/fast", "/report/2", "/boom", "/fast")]
    assert [a[0] for a in answers] == [200, 200, 200, 500, 200]
    assert answers[0][1] == b"fast" and answers[2][1] == b"report 2"
    log = server.log.read_text()
    # Logged once, then the circuit breaker turns the hook into a pass-through.
    assert log.count("greenit runtime hook failed in wsgi begin") == 1
    assert "greenit runtime hook disabled after 5 internal errors" in log


def test_the_circuit_breaker_re_arms_after_its_cool_down_under_gunicorn(tmp_path, rt):
    with rt.serve(rt.gunicorn("flask_app:app", "-k", "sync"), tmp_path, APP_HOOK_FAULT="1",
                  GREENIT_RUNTIME_BREAKER_COOLDOWN_S="0.3") as server:
        first = [server.get("/fast")[0] for _ in range(6)]  # five errors trip it
        time.sleep(1.0)  # the cool-down passes: measured again (and, the fault lasting, tripped again)
        second = [server.get("/fast")[0] for _ in range(6)]
    assert first == second == [200] * 6
    log = server.log.read_text()
    assert "re-armed after its cool-down (tripped 1 times so far)" in log
    assert "(trip 2); it re-arms in 0.3 s" in log


def test_an_unwritable_report_folder_falls_back_to_the_temporary_one_under_gunicorn(tmp_path, rt):
    blocked = tmp_path / "read-only-image"
    blocked.write_text("")  # a file where the folder should be: it can never be created
    temp = tmp_path / "tmp"
    temp.mkdir()
    with rt.serve(rt.gunicorn("flask_app:app", "-k", "sync"), tmp_path, TMPDIR=str(temp),
                  GREENIT_RUNTIME_DIR=str(blocked / "greenit")) as server:
        assert server.get("/report/1") == (200, b"report 1")
    import os

    fallback = temp / f"greenit-runtime-{os.getuid()}"
    report = rt.merge(fallback)
    assert rt.finding(report, "violation", "/report/<int:pk>")["count"] == 1
    assert "is not writable, writing to" in server.log.read_text()


def test_django_under_gunicorn_reports_route_templates_and_class_based_views(tmp_path, rt):
    args = rt.gunicorn("django_app:application", "-k", "gthread", "--threads", "2")
    with rt.serve(args, tmp_path) as server:
        assert server.get("/fast/") == (200, b"fast")
        assert server.get("/report/5/") == (200, b"report 5")
        status, body = server.get("/stream/")
        assert status == 200 and body.count(b"chunk") == 4
    report = rt.merge(server.report_dir)
    app_file = rt.APPS / "django_app.py"
    violation = rt.finding(report, "violation", "/report/<int:pk>/")
    assert violation["handler"] == {"qualname": "ReportView.get", "path": "tests/runtime/apps/django_app.py",
                                    "line": rt.line_of(app_file, "def get(self, request, pk)")}
    assert violation["leaf"]["line"] == rt.line_of(app_file, "time.sleep(1.0)")
    streamed = rt.route(report, "/stream/")
    assert streamed["max_wait_s"] < 0.2 and streamed["max_stream_s"] >= 0.9 and streamed["violations"] == 0
    assert report["summary"]["requests"] == 3


def test_fastapi_under_uvicorn_async_threadpool_background_and_streaming(tmp_path, rt):
    args = ["uvicorn", "--app-dir", str(rt.APPS), "fastapi_app:app", "--host", rt.HOST, "--port", "{port}"]
    with rt.serve(args, tmp_path) as server:
        for path in ("/fast", "/blocking/3", "/threadpool", "/awaiting", "/background", "/stream"):
            assert server.get(path)[0] == 200
        time.sleep(1.2)  # let the background task finish while the server still runs
    report = rt.merge(server.report_dir)
    app_file = rt.APPS / "fastapi_app.py"

    blocking = rt.finding(report, "violation", "/blocking/{item_id}")
    assert blocking["kind"] == "async-blocking-loop"
    assert blocking["handler"]["qualname"] == "blocking_async"
    assert blocking["leaf"]["line"] == rt.line_of(app_file, "time.sleep(0.8)  # blocks")
    stall = rt.finding(report, "loop-stall", "/blocking/{item_id}")
    assert stall["handler"]["qualname"] == "blocking_async" and stall["max_wait_s"] >= 0.5
    assert stall["leaf"]["call"] == "time.sleep"

    pooled = rt.finding(report, "violation", "/threadpool")
    assert pooled["kind"] == "sync-thread"
    assert pooled["leaf"]["line"] == rt.line_of(app_file, "time.sleep(0.8)  # a `def`")

    awaiting = rt.finding(report, "violation", "/awaiting")
    assert awaiting["kind"] == "async-awaiting" and awaiting["leaf"]["call"] == "asyncio.sleep"
    assert not [f for f in report["findings"] if f["severity"] == "loop-stall" and f["route"] == "/awaiting"]

    background = rt.route(report, "/background")
    assert background["max_wait_s"] < 0.2 and background["violations"] == background["warnings"] == 0
    streamed = rt.route(report, "/stream")
    assert streamed["max_wait_s"] < 0.2 and streamed["max_stream_s"] >= 0.9 and streamed["violations"] == 0
    assert report["summary"]["violations"] == 3 and report["summary"]["requests"] == 6
    assert json.dumps(report).count('"severity": "loop-stall"') == 1


def test_waitress_serves_streaming_responses_unchanged(tmp_path, rt):
    # waitress calls len() on any body that defines __len__ and answered 500 when it raised.
    import_or_skip("waitress", "servers")
    args = ["waitress", "--listen=127.0.0.1:{port}", "flask_app:app"]
    with rt.serve(args, tmp_path, PYTHONPATH=str(rt.APPS)) as server:
        status, body = server.get("/stream")
        assert status == 200 and body.count(b"chunk") == 4
        assert server.get("/fast") == (200, b"fast")
    report = rt.merge(server.report_dir)
    assert rt.route(report, "/stream")["statuses"] == {"2xx": 1}


@pytest.mark.parametrize("preload", [[], ["--preload"]], ids=["app-in-worker", "preload"])
def test_a_request_killed_by_gunicorn_timeout_is_joined_to_its_handler_without_a_config_line(tmp_path, rt, preload):
    # No -c gunicorn.conf.py: the middleware installs its own abort hook in the worker (or, built
    # in a --preload master, in the method the forked workers bind).
    options = ["-k", "sync", "--timeout", "1", *preload]
    with rt.serve(rt.gunicorn("flask_app:app", *options), tmp_path, APP_SLOW_S="30",
                  GREENIT_RUNTIME_FLUSH_S="300") as server:
        try:
            assert server.get("/report/3", timeout=15)[0] >= 500
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while "WORKER TIMEOUT" not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    report = rt.merge(server.report_dir)
    killed = rt.finding(report, "violation", "/report/<int:pk>")
    assert killed["outcomes"] == {"server_killed": 1}
    assert killed["handler"]["qualname"] == "slow_report"
    assert killed["leaf"]["call"] == "time.sleep"
    # ... so the static check joins the killed request to its handler.
    merged = tmp_path / "runtime.json"
    merged.write_text(json.dumps(report))
    import subprocess
    import sys

    checked = subprocess.run([sys.executable, "-m", "greenit_async_lint", "check", "--no-cache", "--runtime-report",
                              str(merged), "--format", "json", "tests/runtime/apps/flask_app.py"],
                             cwd=rt.REPO, capture_output=True, text=True, timeout=120)
    handlers = {h["qualname"]: h for h in json.loads(checked.stdout)["handlers"]}
    assert handlers["slow_report"]["runtime"]["max_wait_s"] >= 0.5, handlers["slow_report"]


def test_a_worker_sigkilled_before_its_first_periodic_flush_still_left_the_slow_request(tmp_path, rt):
    import os
    import signal

    with rt.serve(rt.gunicorn("flask_app:app", "-k", "sync", "--timeout", "60"), tmp_path, APP_SLOW_S="30",
                  GREENIT_RUNTIME_FLUSH_S="300") as server:
        client = threading.Thread(target=lambda: _quietly(server.get, "/report/4", 15), daemon=True)
        client.start()
        deadline = time.monotonic() + 10
        while not list(server.report_dir.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        shards = list(server.report_dir.glob("*.json"))
        assert shards, "no shard written while the slow request was still running"
        worker_pid = int(shards[0].name.split("-")[1])  # <host-hash>-<pid>-<start_ns>.json
        os.kill(worker_pid, signal.SIGKILL)  # no atexit, no signal handler, no hook runs now
        client.join(15)
    report = rt.merge(server.report_dir)
    slow = rt.finding(report, "warning", "/report/<int:pk>")
    assert slow["outcomes"] == {"in_flight": 1} and slow["handler"]["qualname"] == "slow_report"
    assert slow["leaf"]["call"] == "time.sleep"


def _quietly(call, *args):
    try:
        call(*args)
    except OSError:
        pass


def test_back_to_back_loop_stalls_are_two_stalls_each_charged_to_its_own_handler(tmp_path, rt):
    args = ["uvicorn", "--app-dir", str(rt.APPS), "fastapi_app:app", "--host", rt.HOST, "--port", "{port}"]
    with rt.serve(args, tmp_path) as server:
        answers: list = []
        clients = [threading.Thread(target=lambda p=p: answers.append(server.get(p)[0]))
                   for p in ("/hold-first", "/hold-second")]
        for client in clients:
            client.start()
        for client in clients:
            client.join(15)
        assert answers == [200, 200]
    report = rt.merge(server.report_dir)
    first = rt.finding(report, "loop-stall", "/hold-first")
    second = rt.finding(report, "loop-stall", "/hold-second")
    assert first["handler"]["qualname"] == "hold_first" and second["handler"]["qualname"] == "hold_second"
    assert first["count"] == second["count"] == 1
    # Each held the loop 0.6 s; the watchdog ticks every 50 ms (heartbeat 100 ms) at these thresholds.
    assert 0.5 <= first["max_wait_s"] <= 0.75 and 0.5 <= second["max_wait_s"] <= 0.75, (first, second)
    assert first["leaf"]["line"] == rt.line_of(rt.APPS / "fastapi_app.py", "first of two back-to-back")
    assert second["leaf"]["line"] == rt.line_of(rt.APPS / "fastapi_app.py", "second of two back-to-back")


@pytest.mark.parametrize("server_name", ["hypercorn", "daphne"])
def test_django_asgi_under_hypercorn_and_daphne_names_sync_views_and_loop_stalls(tmp_path, rt, server_name):
    import_or_skip(server_name, "servers")
    if server_name == "hypercorn":
        args = ["hypercorn", "--bind", "127.0.0.1:{port}", "django_app:asgi_application"]
    else:
        args = ["daphne", "-b", "127.0.0.1", "-p", "{port}", "django_app:asgi_application"]
    with rt.serve(args, tmp_path, PYTHONPATH=str(rt.APPS)) as server:
        assert server.get("/fast/") == (200, b"fast")
        assert server.get("/report/5/") == (200, b"report 5")
        assert server.get("/async-blocking/") == (200, b"blocked")
    report = rt.merge(server.report_dir)
    app_file = rt.APPS / "django_app.py"
    assert report["run"]["servers"] == [server_name]
    synced = rt.finding(report, "violation", "/report/<int:pk>/")
    assert synced["kind"] == "sync-thread" and synced["handler"]["qualname"] == "ReportView.get"
    assert synced["leaf"]["line"] == rt.line_of(app_file, "time.sleep(1.0)")
    blocked = rt.finding(report, "violation", "/async-blocking/")
    assert blocked["kind"] == "async-blocking-loop" and blocked["handler"]["qualname"] == "async_blocking"
    stall = rt.finding(report, "loop-stall", "/async-blocking/")
    assert stall["handler"]["qualname"] == "async_blocking" and 0.5 <= stall["max_wait_s"] <= 0.75
    assert stall["leaf"]["line"] == rt.line_of(app_file, "time.sleep(0.6)  # blocks the event loop")
