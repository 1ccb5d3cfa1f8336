"""Stackledger's own metrics, in Prometheus's text format, read from the database at each
scrape: every web and worker process writes there, so the figures are the whole install's,
whichever process serves the scrape.

- stackledger_probe_runs_total / stackledger_probe_failures_total {kind}: every run a probe has
  had (its raw results and the days they were rolled up into);
- stackledger_sweep_duration_seconds, _probes and _age_seconds: the last scheduled sweep;
- stackledger_outbox_depth and stackledger_outbox_oldest_unsent_age_seconds: emails waiting;
- stackledger_linter_run_age_seconds: since the linter last finished (absent: never ran);
- stackledger_stack_entries {lifecycle, usage_state}: the stack by usage state.
"""

from django.db.models import Count, Min, Q, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from apps.findings.models import LinterRun
from apps.notifications.models import Notification
from apps.probes.models import Kind, ProbeDay, ProbeResult, SweepRun
from apps.stack.models import StackEntry


class StackledgerCollector:
    def __init__(self, now):
        self.now = now

    def collect(self):
        yield from self.probe_runs()
        yield from self.sweep()
        yield from self.outbox()
        yield from self.linter()
        yield from self.stack()

    def probe_runs(self):
        runs = CounterMetricFamily("stackledger_probe_runs", "Runs of usage probes, by kind.", labels=["kind"])
        failures = CounterMetricFamily("stackledger_probe_failures", "Failed runs of usage probes, by kind.",
                                       labels=["kind"])
        totals = {kind: [0, 0] for kind in Kind.values}
        raw = ProbeResult.objects.values("probe__kind").annotate(runs=Count("pk"), failures=Count("pk", filter=Q(ok=False)))
        days = ProbeDay.objects.values("probe__kind").annotate(runs=Sum("runs"), failures=Sum("failures"))
        for row in [*raw, *days]:
            totals[row["probe__kind"]][0] += row["runs"] or 0
            totals[row["probe__kind"]][1] += row["failures"] or 0
        for kind, (ran, failed) in sorted(totals.items()):
            runs.add_metric([kind], ran)
            failures.add_metric([kind], failed)
        yield runs
        yield failures

    def sweep(self):
        last = SweepRun.objects.filter(pk=1).first()
        if last is None or last.started_at is None:
            return
        yield GaugeMetricFamily("stackledger_sweep_duration_seconds", "How long the last sweep of due probes took.",
                                value=last.seconds)
        yield GaugeMetricFamily("stackledger_sweep_probes", "Probes the last sweep ran.", value=last.probes)
        yield GaugeMetricFamily("stackledger_sweep_age_seconds", "Seconds since the last sweep started.",
                                value=(self.now - last.started_at).total_seconds())

    def outbox(self):
        waiting = Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True).aggregate(
            depth=Count("pk"), oldest=Min("created_at"))
        yield GaugeMetricFamily("stackledger_outbox_depth", "Emails written and not yet sent.", value=waiting["depth"])
        age = (self.now - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0
        yield GaugeMetricFamily("stackledger_outbox_oldest_unsent_age_seconds",
                                "Seconds the oldest email not yet sent has waited (0: none waits).", value=age)

    def linter(self):
        run = LinterRun.objects.filter(pk=1).first()
        if run is not None and run.finished_at is not None:
            yield GaugeMetricFamily("stackledger_linter_run_age_seconds", "Seconds since the stack linter last finished.",
                                    value=(self.now - run.finished_at).total_seconds())

    def stack(self):
        entries = GaugeMetricFamily("stackledger_stack_entries", "Stack entries, by lifecycle and usage state.",
                                    labels=["lifecycle", "usage_state"])
        for row in StackEntry.objects.values("lifecycle", "usage_state").annotate(n=Count("pk")).order_by(
                "lifecycle", "usage_state"):
            entries.add_metric([row["lifecycle"], row["usage_state"]], row["n"])
        yield entries


def exposition(now) -> bytes:
    """The metrics as Prometheus reads them."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StackledgerCollector(now))
    return generate_latest(registry)
