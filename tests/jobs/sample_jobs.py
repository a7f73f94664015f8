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


@job(retries=0)
def sleepy(seconds: float, log: str) -> int:
    """Say in ``log`` which process started and which finished it, sleeping between."""
    import os
    import time

    with open(log, "a") as out:
        out.write(f"start {os.getpid()}\n")
    for step in range(int(seconds * 10)):
        progress(step, int(seconds * 10))
        time.sleep(0.1)
    with open(log, "a") as out:
        out.write(f"end {os.getpid()}\n")
    return os.getpid()
