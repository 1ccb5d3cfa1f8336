"""`python manage.py bench`: how fast the main pages answer at scale 1 and 100, and how a
sweep of 2,000 probes with 5 % of targets hanging behaves. A benchmark that prints figures,
not a test: it needs PostgreSQL (DATABASE_URL) and makes its own databases beside it.

Each scale gets a fresh database (<name>_bench_<scale>), migrated and seeded by
`seed_demo --scale`; the pages are timed in a child process on that database, in-process
through Django's test client (server time only), after a warm-up. The sweep runs in a child
process too, so its peak memory is its own.
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
         "/decisions/", "/reviews/", "/reviews/{review}/"]
RUNS, WARM_UP = 15, 3
HANGING_SHARE = 0.05


class Command(BaseCommand):
    help = "Time the main pages at scale 1 and 100 and a sweep of 2,000 probes (PostgreSQL only)."
    requires_system_checks = []  # figures, not a deployment

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="1,100", help="Comma-separated scales to compare (default 1,100).")
        parser.add_argument("--runs", type=int, default=RUNS, help="Timed requests per page.")
        parser.add_argument("--pages", action="store_true", help="(child) time the pages of this database.")
        parser.add_argument("--sweep", metavar="TARGET", help="(child) sweep every probe against TARGET.")

    def handle(self, *args, scales, runs, pages, sweep, **options):
        if pages:
            return self.stdout.write(json.dumps(time_pages(runs)))
        if sweep:
            return self.stdout.write(json.dumps(run_sweep(sweep)))
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
        scales = [int(s) for s in scales.split(",")]
        results = {}
        for scale in scales:
            url = fresh_database(scale)
            started = time.monotonic()
            self.child(url, "migrate", "--noinput", "-v0")
            self.child(url, "load_catalog", "-v0")
            self.child(url, "seed_demo", "--scale", str(scale))
            self.stdout.write(f"scale {scale}: seeded in {time.monotonic() - started:.0f} s")
            results[scale] = json.loads(self.child(url, "bench", "--pages", "--runs", str(runs)))
        self.report_pages(results, scales)
        self.report_sweep(url)

    def child(self, url: str, *arguments: str) -> str:
        env = {**os.environ, "DATABASE_URL": url, "PROBE_ALLOWED_NETWORKS": "127.0.0.0/8"}
        done = subprocess.run([sys.executable, "manage.py", *arguments], env=env, cwd=settings.BASE_DIR,
                              capture_output=True, text=True)
        if done.returncode:
            raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1] if arguments[0] == "bench" else done.stdout

    def report_pages(self, results: dict, scales: list[int]) -> None:
        low, high = scales[0], scales[-1]
        self.stdout.write(f"\n{'page':24} {'median ' + str(low):>10} {'p95 ' + str(low):>9} "
                          f"{'median ' + str(high):>11} {'p95 ' + str(high):>9} {'ratio':>6} {'queries':>8}")
        for page in PAGES:
            a, b = results[low][page], results[high][page]
            self.stdout.write(
                f"{page:24} {a['median']:8.1f}ms {a['p95']:7.1f}ms {b['median']:9.1f}ms {b['p95']:7.1f}ms "
                f"{b['median'] / a['median']:6.2f} {b['queries']:8}"
            )

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


def time_pages(runs: int) -> dict:
    """Median and 95th percentile server time and query count of each page, as a lead sees it."""
    from django.test import Client, override_settings

    # As served in production (DEBUG off), but with static file names as they are: the
    # benchmark does not run collectstatic.
    plain_static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=plain_static):
        return _time_pages(runs, Client)


def _time_pages(runs: int, Client) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.reviews.models import Review
    from apps.stack.models import StackEntry

    client = Client()
    client.force_login(User.objects.get(email="lead@example.com"))
    ids = {"entry": StackEntry.objects.order_by("pk").values_list("pk", flat=True).last(),
           "review": Review.objects.order_by("-year").values_list("pk", flat=True).first()}
    figures = {}
    for page in PAGES:
        url = page.format(**ids)
        for _ in range(WARM_UP):
            client.get(url)
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        figures[page] = {"median": statistics.median(times), "p95": statistics.quantiles(times, n=20, method="inclusive")[-1],
                         "queries": len(queries)}
    return figures


def run_sweep(target: str) -> dict:
    """Point a full sweep's probes (SWEEP_LIMIT, 2,000) at the target, 5 % of them at a URL that
    hangs, and run one sweep."""
    import resource

    from django.utils import timezone

    from apps.lib.http import TOTAL_TIMEOUT
    from apps.probes import services
    from apps.probes.models import Probe
    from apps.stack.models import IN_USE, Lifecycle, StackEntry

    now = timezone.now()
    ids = list(Probe.objects.order_by("pk").values_list("pk", flat=True)[:services.SWEEP_LIMIT])
    # A sweep reads the tools in use or on trial: the proposed, retired and rejected ones among
    # these are put in use, so that the sweep is a full one (the pages were timed before).
    swept = [*IN_USE, Lifecycle.EVALUATING]
    StackEntry.objects.filter(probe__in=ids).exclude(lifecycle__in=swept).update(lifecycle=Lifecycle.ADOPTED)
    hanging = set(ids[:: round(1 / HANGING_SHARE)])
    Probe.objects.filter(pk__in=ids).update(kind="http_json", enabled=True, next_run_at=now, params={"count_path": "n"})
    Probe.objects.filter(pk__in=hanging).update(url=f"{target}/hang")
    Probe.objects.filter(pk__in=ids).exclude(pk__in=hanging).update(url=f"{target}/ok")
    started = time.monotonic()
    runs = services.sweep(now=now)
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
