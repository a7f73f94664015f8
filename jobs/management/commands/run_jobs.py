import logging
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from jobs import engine

logger = logging.getLogger("jobs")


def _housekeeping(stop: threading.Event, worker_id: str, started_at) -> None:
    """Every few seconds: say this worker is alive, put back jobs of dead workers, enqueue the
    schedules' due slots. A database outage is logged and waited out."""
    try:
        while not stop.is_set():
            try:
                engine.heartbeat(worker_id, started_at)
                engine.requeue_abandoned()
                engine.enqueue_due()
            except Exception:
                logger.exception("job housekeeping failed; trying again shortly")
                connection.close()
            stop.wait(settings.JOB_HOUSEKEEPING_SECONDS)
    finally:
        connection.close()


def _loop(path: str, stop: threading.Event) -> None:
    """Run one of settings.JOB_LOOPS until the worker stops, restarting it after a failure."""
    func = import_string(path)
    try:
        while not stop.is_set():
            try:
                func(stop)
            except Exception:
                logger.exception("loop %s failed; restarting it in 1 s", path)
                connection.close()
                stop.wait(1.0)
    finally:
        connection.close()


class Command(BaseCommand):
    help = (
        "Run background jobs (exports, previews, checkpoints, fixity, reconciliation), the"
        " schedules of jobs/schedules.py and the loops of JOB_LOOPS. Run as many as you like,"
        " on any machine: each job runs once and each scheduled slot is enqueued once."
        " Ctrl+C or SIGTERM lets the running job finish (a second one stops it at once)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the jobs that are ready, then exit (no schedules, no loops).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no job is ready (default 1).",
        )
        parser.add_argument("--worker-id", default=None, help="A name for this worker.")

    def handle(self, *args, batch=False, interval=1.0, worker_id=None, **options):
        worker = engine.make_worker(worker_id=worker_id, interval=interval, batch=batch)
        stop = threading.Event()
        threads = []
        if not batch:
            started_at = timezone.now()
            engine.heartbeat(worker.worker_id, started_at)
            threads.append(
                threading.Thread(
                    target=_housekeeping,
                    args=(stop, worker.worker_id, started_at),
                    name="jobs-housekeeping",
                    daemon=True,
                )
            )
            threads += [
                threading.Thread(target=_loop, args=(path, stop), name=path, daemon=True)
                for path in settings.JOB_LOOPS
            ]
        for thread in threads:
            thread.start()
        self.stdout.write(
            f"Job worker {worker.worker_id}: "
            + ("running what is ready" if batch else f"{len(threads) - 1} loop(s), schedules on")
        )
        begun = time.monotonic()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            if not batch:
                engine.WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).delete()
            self.stdout.write(
                f"Job worker {worker.worker_id} stopped after {time.monotonic() - begun:.0f} s"
                f" and {worker._run_tasks} job(s)."
            )
