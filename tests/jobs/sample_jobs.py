"""Jobs the engine's tests enqueue (a job must live at module level to be found again)."""

from jobs.engine import job, progress


@job
def add(a: int, b: int) -> int:
    for done in range(1, 4):
        progress(done, 3, f"step {done}")
    return a + b


@job(retries=2, backoff_seconds=10)
def always_fails(reason: str) -> None:
    raise ValueError(reason)
