"""The curve worker: a separate process that steps torch schedulers for the window.

Stepping a scheduler holds the GIL for seconds on long schedules, and torch takes a second
or two to import, so the window hands both to this process and stays responsive.

Protocol: the typed messages of `designer.core.curves.messages` over a multiprocessing
Pipe (a `Job` per request, `Chunk`s, `MetricPoints`, `Done` or `Failed` back).

The window's designs enter the core here rather than through the loader, so each job's
design is checked first (`checks.check_design`), then stepped as `engine.iter_curves`
chains its phases. Before each piece of work the worker reads everything waiting on the
pipe, so a newer job from the same client cancels the one in progress within one piece
(about 20 ms of stepping). Phases it has stepped whole are kept in a per-phase
`CurveCache`, which also looks for a phase on disk (`designer.core.curves.disk_cache`)
before stepping it. The worker is the disk cache's only writer: once nothing has arrived
for IDLE_SAVE_SECONDS (or when told to stop) it writes the phases it stepped, so a drag's
passing designs never reach the disk and the window's thread never waits on a write.

When a phase cycles momentum (OneCycleLR, CyclicLR), the worker also records momentum or
beta1 from the same torch run, for the window's co-plot (`wants_momentum`).

User expressions (lr_lambda, a plateau's metric) are evaluated here only, never in the
window's thread. The worker exits when the window's process dies, even in the middle of a
long piece of work.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Generator, Iterator
from typing import Any

from designer.core.curves.messages import Chunk, Done, Failed, Job, MetricPoints, Ready, Stop

# Pieces grow from small (the first values show quickly) to this many steps.
FIRST_PIECE = 2_000
MAX_PIECE = 100_000
PIECE_SECONDS = 0.03
# Phases kept for reuse. torch alone costs this process about 220 MB (see
# skip_dynamo_import); 4M points (32 MB) covers every phase of typical designs, and the
# newest ones of the largest.
WORKER_CACHE_POINTS = 4_000_000
# Simulated phases whose plotted metric is kept (cheap to keep, up to 50k points each).
METRIC_CACHE = 8
IDLE_SAVE_SECONDS = 0.5


class Superseded(Exception):
    """A newer job of the same client arrived (or the worker is stopping): the job in
    progress stops between two pieces and sends nothing more."""


def wants_momentum(schedule: Any) -> bool:
    """Whether the design cycles momentum/beta1 somewhere, so the window should show it."""
    from designer.core.schedule.catalog import OPTIMIZERS

    if not OPTIMIZERS[schedule.optimizer.name].has_momentum:
        return False
    return any(part.spec.cycles_momentum and part.param_value("cycle_momentum")
               for phase in schedule.phases
               for part in (phase.member_phases() if phase.is_chained else (phase,)))


def worker_main(conn: Any) -> None:
    """Entry point of the worker process (spawned; imports torch here, not in the window)."""
    exit_with_parent()
    new_worker(conn).run()


def exit_with_parent() -> None:
    """End this process as soon as the process that started it is gone.

    The pipe tells the worker too, but only between pieces of work; a piece that steps an
    expensive design for minutes would keep an orphan at 100% CPU. A daemon thread waits on
    the parent's sentinel (portable: a pipe end on POSIX, a process handle on Windows).
    """
    import multiprocessing
    import os
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def new_worker(conn: Any) -> Worker:
    """The worker as worker_main runs it: torch imported without torch._dynamo, and a
    per-phase cache bounded to WORKER_CACHE_POINTS values, backed by the user's disk cache."""
    from designer.core.curves.cache import CurveCache
    from designer.core.curves.disk_cache import DiskCache

    skip_dynamo_import()
    return Worker(conn, CurveCache(WORKER_CACHE_POINTS, DiskCache.default()))


def skip_dynamo_import() -> None:
    """Keep torch._dynamo (about 70 MB) out of this process.

    torch wraps a few Optimizer methods (add_param_group, state_dict, ...) in
    `torch._compile._disable_dynamo`, which imports torch._dynamo on the first call only to
    mark the method as never compiled. Nothing is compiled here, so each is marked up front
    the way that wrapper caches its result. If torch changes this, nothing is marked and
    torch._dynamo is imported as before: only memory is at stake, never a value.
    """
    import inspect
    import sys

    try:
        from torch._compile import _disable_dynamo

        wrapper_code = _disable_dynamo(lambda: None).__code__
    except (ImportError, AttributeError, TypeError):
        return
    modules = [m for name, m in list(sys.modules.items())
               if name.startswith("torch.optim") and m is not None]
    for module in modules:
        for cls in [v for v in vars(module).values() if inspect.isclass(v)]:
            for method in vars(cls).values():
                wrapped = getattr(method, "__wrapped__", None)
                if getattr(method, "__code__", None) is wrapper_code and wrapped is not None:
                    setattr(wrapped, "__dynamo_disable", wrapped)


class Worker:
    def __init__(self, conn: Any, cache: Any) -> None:
        self.conn = conn
        self.cache = cache
        self.queue: OrderedDict[int, Job] = OrderedDict()  # client -> its newest job
        self.stopping = False
        self.metrics: list[tuple[Any, Any]] = []  # (phase, (steps, values)), newest first

    def run(self) -> None:
        import os

        self.conn.send(Ready(os.getpid()))
        while not self.stopping:
            if not self.queue:
                if self.cache.unsaved and not self._poll(IDLE_SAVE_SECONDS):
                    self.cache.save()
                self._receive(block=True)
                continue
            _, job = self.queue.popitem(last=False)
            if job.sequential_lr:
                self._run_sequential_lr(job.client, job.job, job.schedule)
            else:
                self._run_job(job.client, job.job, job.schedule)
        self.cache.save()

    def _poll(self, timeout: float) -> bool:
        try:
            return self.conn.poll(timeout)
        except (EOFError, OSError):
            return True  # _receive finds out that the window is gone

    def _receive(self, block: bool = False) -> None:
        """Move every waiting message into the queue (a newer job replaces an older one)."""
        try:
            while block or self.conn.poll():
                message = self.conn.recv()
                block = False
                if isinstance(message, Stop):
                    self.stopping = True
                    return
                self.queue.pop(message.client, None)
                self.queue[message.client] = message
        except (EOFError, OSError):
            self.stopping = True  # the window is gone

    def _superseded(self, client: int) -> bool:
        self._receive()
        return self.stopping or client in self.queue

    def _run_job(self, client: int, job: int, schedule: Any) -> None:
        """Send the design's curve in chunks, as `engine.iter_curves` chains its phases,
        then Done; Failed with the one-line message of whatever the design's checks or
        torch refuse; nothing more once a newer job of the client supersedes this one."""
        from designer.core.curves.engine import iter_curves
        from designer.core.schedule.checks import check_design
        from designer.core.schedule.model import ScheduleError

        momentum = wants_momentum(schedule)
        phase_pieces = functools.partial(self._phase_pieces, client, job)
        offset = 0
        try:
            # The window's designs enter the core here, not through the loader: a timeline
            # drag can leave a OneCycleLR phase longer than its total_steps.
            check_design(schedule)
            for part in iter_curves(schedule, momentum, phase_pieces):
                self.conn.send(Chunk(client, job, offset, part.lr, part.momentum, part.others))
                offset += len(part.lr)
        except Superseded:
            return
        except ScheduleError as exc:
            self.conn.send(Failed(client, job, str(exc)))
            return
        self.conn.send(Done(client, job, offset))

    def _phase_pieces(self, client: int, job: int, phase: Any, optimizer: Any, start: Any,
                      index: int, momentum: bool) -> Iterator[Any]:
        """One phase's pieces for `iter_curves`: the phase whole from the cache, or stepped
        in pieces (then kept whole in the cache); a simulated phase sends its metric first.
        Raises Superseded when a newer job of the client arrives."""
        from designer.core.curves.engine import iter_phase

        metric = self._send_metric(client, job, index, phase) if phase.spec.simulated else None
        if metric is False:
            raise Superseded
        cached = self.cache.cached_phase(phase, optimizer, start, momentum)
        if cached is not None:
            yield cached
            return
        pieces = []
        stream = iter_phase(phase, optimizer, start, index, momentum, FIRST_PIECE)
        for part in self._timed_pieces(client, stream):
            pieces.append(part)
            yield part
        self.cache.store_pieces(phase, optimizer, start, pieces, momentum, metric)

    def _timed_pieces(self, client: int, stream: Generator[Any, int | None, None]
                      ) -> Iterator[Any]:
        """The pieces of `stream` (`engine.iter_phase`), each asked for in the size that
        steps for about PIECE_SECONDS, so that a newer edit cancels this job quickly
        whatever the scheduler's cost per step. Before each piece is stepped, raises
        Superseded when a newer job of the client arrived."""
        request = None  # the first piece is asked for with next(), later ones sized
        try:
            while True:
                if self._superseded(client):
                    raise Superseded
                began = time.perf_counter()
                try:
                    part = stream.send(request)
                except StopIteration:
                    return
                yield part  # the caller sends it: its time counts as this piece's
                elapsed = max(time.perf_counter() - began, 1e-4)
                request = int(min(MAX_PIECE, max(FIRST_PIECE,
                                                 len(part.lr) * PIECE_SECONDS / elapsed)))
        finally:
            stream.close()

    def _send_metric(self, client: int, job: int, index: int, phase: Any) -> Any:
        """Send the simulated phase's plotted metric evaluations and return them as (steps,
        values), None if there are none to plot; False when a newer job superseded this one
        meanwhile. A metric that fails sends nothing: stepping the phase reports the
        failure."""
        from designer.core.curves.simulation import metric_pieces
        from designer.core.schedule.model import ScheduleError

        points = next((known for seen, known in self.metrics if seen == phase), None)
        if points is None:
            steps, values = [], []
            try:
                for piece_steps, piece_values in metric_pieces(phase):
                    if self._superseded(client):
                        return False
                    steps.append(piece_steps)
                    values.append(piece_values)
            except ScheduleError:
                return None
            if not steps:
                return None
            import numpy as np

            points = (np.concatenate(steps), np.concatenate(values))
            self.metrics = [(phase, points), *self.metrics[:METRIC_CACHE - 1]]
        self.conn.send(MetricPoints(client, job, index, *points))
        return points

    def _run_sequential_lr(self, client: int, job: int, schedule: Any) -> None:
        from designer.core.curves.engine import sequential_lr_curves
        from designer.core.schedule.model import ScheduleError

        try:
            lrs = sequential_lr_curves(schedule)[0]
        except ScheduleError as exc:
            self.conn.send(Failed(client, job, str(exc)))
            return
        except (ValueError, TypeError, ArithmeticError, LookupError, RuntimeError) as exc:
            self.conn.send(Failed(client, job, f"torch's SequentialLR failed: {exc}"))
            return
        self.conn.send(Chunk(client, job, 0, lrs))
        self.conn.send(Done(client, job, len(lrs)))
