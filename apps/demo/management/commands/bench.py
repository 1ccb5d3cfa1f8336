"""`python manage.py bench`: how fast the main pages answer at scales 1, 100 and 500 (or
$BENCH_SCALES), against the bare login page as the framework's floor, and how a
sweep of 2,000 probes with 5 % of targets hanging behaves. A benchmark that prints figures,
not a test: it needs PostgreSQL (DATABASE_URL) and makes its own databases beside it.

Each scale gets a fresh database (<name>_bench_<scale>), migrated, seeded by `seed_demo
--scale` and analysed. Each is served by a child process on its database that times one page
in-process through Django's test client (server time only) each time it is asked; the parent
asks the children in turn, page by page, so that whatever else the machine does weighs on
both scales alike. The sweep runs in a child process too, so its peak memory is its own.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PAGES = ["/", "/stack/", "/stack/{entry}/", "/pain-points/", "/tools/", "/findings/", "/models/", "/evaluations/",
         "/decisions/", "/reviews/", "/reviews/{review}/", "/discovered/"]
# The bare login page, as an anonymous visitor gets it: the framework's floor, which every
# page's time is also given as a multiple of.
FLOOR = "/accounts/login/"
RUNS, WARM_UP = 15, 3
HANGING_SHARE = 0.05


class Command(BaseCommand):
    help = "Time the main pages at scales 1, 100 and 500 and a sweep of 2,000 probes (PostgreSQL only)."
    requires_system_checks = []  # figures, not a deployment

    def add_arguments(self, parser):
        parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES") or "1,100,500",
                            help="Comma-separated scales to compare, the first the baseline (default: $BENCH_SCALES, "
                                 "else 1,100,500).")
        parser.add_argument("--runs", type=int, default=RUNS, help="Timed requests per page.")
        parser.add_argument("--pages", action="store_true", help="(child) time the pages of this database on request.")
        parser.add_argument("--sweep", metavar="TARGET", help="(child) sweep every probe against TARGET.")

    def handle(self, *args, scales, runs, pages, sweep, **options):
        if pages:
            return serve_timings(sys.stdin, sys.stdout)
        if sweep:
            return self.stdout.write(json.dumps(run_sweep(sweep)))
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
        scales = [int(s) for s in scales.split(",")]
        urls = {}
        for scale in scales:
            urls[scale] = url = fresh_database(scale)
            started = time.monotonic()
            self.child(url, "migrate", "--noinput", "-v0")
            self.child(url, "load_catalog", "-v0")
            self.child(url, "seed_demo", "--scale", str(scale))
            analyse(url)
            self.stdout.write(f"scale {scale}: seeded in {time.monotonic() - started:.0f} s")
        self.report_pages(time_interleaved(urls, runs), scales)
        self.report_sweep(urls[scales[-1]])

    def child(self, url: str, *arguments: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *arguments], env=child_env(url), cwd=settings.BASE_DIR,
                              capture_output=True, text=True)
        if done.returncode:
            raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1] if arguments[0] == "bench" else done.stdout

    def report_pages(self, results: dict, scales: list[int]) -> None:
        """Per page: each scale's median and p95, each larger scale's median as a multiple of the
        first's, the largest scale's as a multiple of the login page's (the floor), its queries."""
        low, high = scales[0], scales[-1]
        head = f"{'page':24}" + "".join(f" {'median ' + str(s):>12} {'p95 ' + str(s):>10}" for s in scales)
        head += "".join(f" {'x' + str(low) + ' @' + str(s):>9}" for s in scales[1:])
        self.stdout.write(f"\n{head} {'x floor @' + str(high):>12} {'queries':>8}")
        for page in [FLOOR, *PAGES]:
            row = f"{page:24}" + "".join(f" {results[s][page]['median']:10.1f}ms {results[s][page]['p95']:8.1f}ms"
                                          for s in scales)
            row += "".join(f" {results[s][page]['median'] / results[low][page]['median']:9.2f}" for s in scales[1:])
            floor = results[high][page]["median"] / results[high][FLOOR]["median"]
            self.stdout.write(f"{row} {floor:12.2f} {results[high][page]['queries']:8}")

    def report_sweep(self, url: str) -> None:
        with target_server() as target:
            figures = json.loads(self.child(url, "bench", "--sweep", target))
        self.stdout.write(
            f"\nsweep: {figures['probes']:,} probes ({figures['hanging']} hanging) in {figures['seconds']:.1f} s = "
            f"{figures['seconds'] / figures['timeout']:.2f} x the {figures['timeout']:.0f} s probe timeout; "
            f"{figures['ok']:,} read, {figures['failed']} failed; worker peak RSS {figures['peak_rss_mb']:.0f} MB"
        )


def fresh_database(scale: int) -> str:
    """Drop and create <name>_bench_<scale> on the server of DATABASE_URL; return its URL."""
    current = settings.DATABASES["default"]
    name = f"{current['NAME']}_bench_{scale}"
    with psycopg.connect(host=current["HOST"] or None, port=current["PORT"] or None, user=current["USER"] or None,
                         password=current["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return os.environ["DATABASE_URL"].split("?")[0].rsplit("/", 1)[0] + "/" + name


def child_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "PROBE_ALLOWED_NETWORKS": "127.0.0.0/8"}


def analyse(url: str) -> None:
    """Statistics for the planner, as a database that has been in use has them."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def time_interleaved(urls: dict[int, str], runs: int) -> dict:
    """{scale: {page: {median, p95, queries}}}: each page asked of each scale's child in turn."""
    children = {
        scale: subprocess.Popen([sys.executable, "manage.py", "bench", "--pages"], env=child_env(url),
                                cwd=settings.BASE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for scale, url in urls.items()
    }
    try:
        times = {scale: {page: [] for page in [FLOOR, *PAGES]} for scale in urls}
        queries = {scale: {} for scale in urls}
        for run in range(WARM_UP + runs):
            for page in [FLOOR, *PAGES]:
                for scale, child in children.items():
                    child.stdin.write(page + "\n")
                    child.stdin.flush()
                    answer = json.loads(child.stdout.readline())
                    if answer["status"] != 200:
                        raise CommandError(f"{page} answered {answer['status']} at scale {scale}")
                    if run >= WARM_UP:
                        times[scale][page].append(answer["ms"])
                        queries[scale][page] = answer["queries"]
    finally:
        for child in children.values():
            child.stdin.close()
            child.wait(timeout=30)
    return {
        scale: {page: {"median": statistics.median(ms), "p95": statistics.quantiles(ms, n=20, method="inclusive")[-1],
                       "queries": queries[scale][page]} for page, ms in pages.items()}
        for scale, pages in times.items()
    }


def serve_timings(requests, out) -> None:
    """(child) For each page asked on stdin, one request as the demo lead: its server time and
    queries on stdout. As served in production (DEBUG off), but with static file names as they
    are: the benchmark does not run collectstatic."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.reviews.models import Review
    from apps.stack.models import StackEntry

    plain_static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=plain_static):
        client, anonymous = Client(), Client()
        client.force_login(User.objects.get(email="lead@example.com"))
        ids = {"entry": StackEntry.objects.order_by("pk").values_list("pk", flat=True).last(),
               "review": Review.objects.order_by("-year").values_list("pk", flat=True).first()}
        for line in requests:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = line.strip()
                response = (anonymous if page == FLOOR else client).get(page.format(**ids))
                elapsed = (time.perf_counter() - started) * 1000
            out.write(json.dumps({"ms": elapsed, "queries": len(captured), "status": response.status_code}) + "\n")
            out.flush()


def run_sweep(target: str) -> dict:
    """Point a full sweep's probes (SWEEP_LIMIT, 2,000) at the target, 5 % of them at a URL that
    hangs, and run one sweep."""
    import resource

    from django.utils import timezone

    from apps.lib.http import TOTAL_TIMEOUT
    from apps.probes.models import Probe
    from apps.probes.sweep import SWEEP_LIMIT, sweep
    from apps.stack.models import IN_USE, Lifecycle, StackEntry

    now = timezone.now()
    ids = list(Probe.objects.order_by("pk").values_list("pk", flat=True)[:SWEEP_LIMIT])
    # A sweep reads the tools in use or on trial: the proposed, retired and rejected ones among
    # these are put in use, so that the sweep is a full one (the pages were timed before).
    swept = [*IN_USE, Lifecycle.EVALUATING]
    StackEntry.objects.filter(probe__in=ids).exclude(lifecycle__in=swept).update(lifecycle=Lifecycle.ADOPTED)
    hanging = set(ids[:: round(1 / HANGING_SHARE)])
    Probe.objects.filter(pk__in=ids).update(kind="http_json", enabled=True, next_run_at=now, params={"count_path": "n"})
    Probe.objects.filter(pk__in=hanging).update(url=f"{target}/hang")
    Probe.objects.filter(pk__in=ids).exclude(pk__in=hanging).update(url=f"{target}/ok")
    started = time.monotonic()
    runs = sweep(now=now)
    seconds = time.monotonic() - started
    failed = sum(1 for run in runs if not run.result.ok)
    return {"probes": len(runs), "hanging": len(hanging), "seconds": seconds, "timeout": TOTAL_TIMEOUT,
            "ok": len(runs) - failed, "failed": failed,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


class _Target(BaseHTTPRequestHandler):
    """The tools the sweep reads: /ok answers at once, /hang never does."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/hang"):
            time.sleep(60)
            return
        body = b'{"n": 3}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _TargetServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a sweep opens hundreds of connections at once


class target_server:
    def __enter__(self) -> str:
        self.server = _TargetServer(("127.0.0.1", 0), _Target)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
