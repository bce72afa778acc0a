"""Where a benchmarked crawl's time and memory go: CPU seconds and peak RSS
of the crawl process and of its extraction workers.

run(command, ...) runs a crawl subprocess and returns a Measure:

- the crawl process's CPU seconds: resource.getrusage(RUSAGE_CHILDREN)
  before and after (start-up and shut-down included). The extraction
  workers are not in it: they are children of multiprocessing's forkserver,
  which reaps them, and the forkserver is never waited for by the crawl;
- the crawl process's peak RSS (VmHWM), read by CrawlProbe, an extension
  the crawl loads (probe_settings()), in the crawl process itself at
  spider_closed, after the pipelines have closed;
- the workers' CPU seconds and peak RSS: every descendant of the crawl
  process (the forkserver and the workers it forks) is read from
  /proc/<pid>/stat and /proc/<pid>/status every POLL seconds while the
  crawl runs, keeping the last CPU time and the highest VmHWM seen per
  process. Idle workers use no CPU at the end of a crawl, so the last
  reading is close to their total;
- the seconds the crawl process and the workers were runnable but waiting
  for a CPU (/proc/<pid>/schedstat): what other processes on the cores cost;
- the CPU seconds of this process over the crawl (the portal is served by
  threads of the bench process, on the same cores);
- the load average of the machine before and after.

BENCH_TRACEMALLOC=1 (a Scrapy setting) makes CrawlProbe trace allocations
from the crawl's start and write, at spider_closed, the allocation sites
holding most memory and the gc counts of the most common object types: a
diagnostic run, much slower.
"""

import json
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field

POLL = 0.2
TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(pid, key):
    """The value in kB of *key* (VmHWM, VmRSS) in /proc/<pid>/status, or None."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _stat(pid):
    """CPU seconds (user + system) of *pid*, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: split after it.
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid):
    """Child pids of *pid*, from /proc/<pid>/task/<tid>/children (no scan of all of /proc)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _run_delay(pid):
    """Seconds *pid* has been runnable but waiting for a CPU (/proc/<pid>/schedstat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _descendants(root):
    """(pid, parent pid) of every descendant of *root*, parents first."""
    found, todo = [], [root]
    while todo:
        parent = todo.pop(0)
        for child in _children(parent):
            found.append((child, parent))
            todo.append(child)
    return found


def _name(pid):
    """What a descendant is: the forkserver, the resource tracker, a worker, or its command."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    for marker, name in (("forkserver import main", "forkserver"), ("resource_tracker", "resource tracker")):
        if marker in command:
            return name
    return command.split(" ", 1)[0].rsplit("/", 1)[-1] or "?"


class _Watcher(threading.Thread):
    """Polls the descendants of *pid*: last CPU seconds and highest VmHWM per process."""

    def __init__(self, pid):
        super().__init__(name="bench-watch", daemon=True)
        self.pid = pid
        self.cpu = {}
        self.hwm_kb = {}
        self.names = {}
        self.waited = {}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for pid, parent in _descendants(self.pid):
                stat = _stat(pid)
                hwm = _status_kb(pid, "VmHWM")
                if stat is not None:
                    self.cpu[pid] = stat
                waited = _run_delay(pid)
                if waited is not None:
                    self.waited[pid] = waited
                if pid not in self.names:
                    # forkserver's children are forked, not executed: same command line.
                    self.names[pid] = "worker" if self.names.get(parent) == "forkserver" else _name(pid)
                if hwm is not None:
                    self.hwm_kb[pid] = max(hwm, self.hwm_kb.get(pid, 0))
            self.done.wait(POLL)


@dataclass
class Measure:
    seconds: float = 0.0
    cpu: float = 0.0  # the crawl process, user + system
    peak_rss_mb: float | None = None  # the crawl process's VmHWM
    worker_cpu: float = 0.0  # its descendants (forkserver and workers)
    worker_processes: int = 0
    worker_names: dict = field(default_factory=dict)  # name -> (processes, CPU seconds)
    # Seconds runnable but waiting for a CPU (/proc/<pid>/schedstat): other
    # processes on the cores. Of the crawl process (read by CrawlProbe, so
    # None without it) and of the workers added up.
    waited: float | None = None
    worker_waited: float = 0.0
    worker_peak_rss_mb: float = 0.0  # the highest VmHWM among the workers
    worker_peak_rss_sum_mb: float = 0.0  # all descendants' VmHWMs added up (an upper bound of their peak together)
    bench_cpu: float = 0.0  # this process (it serves the portal)
    load_before: tuple = ()
    load_after: tuple = ()
    probe: dict = field(default_factory=dict)

    def split(self):
        """The descendants' CPU seconds by kind: "2 workers 40.1 s, forkserver 0.1 s, ..."."""
        return ", ".join(
            f"{count} {name}{'s' if count > 1 else ''} {seconds:.1f} s"
            for name, (count, seconds) in sorted(self.worker_names.items(), key=lambda item: -item[1][1])
        )

    def load(self):
        return f"load average {self.load_before[0]:.2f} before, {self.load_after[0]:.2f} after"


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def probe_settings(probe_out, tracemalloc=False):
    """`-s` settings that load CrawlProbe into a `scrapy crawl portal` and make it
    write its figures to *probe_out*. EXTENSIONS on the command line replaces
    the project's, so they are repeated."""
    from crawler import settings

    extensions = {**settings.EXTENSIONS, "bench.measure.CrawlProbe": 1000}
    out = [f"EXTENSIONS={json.dumps(extensions)}", f"BENCH_PROBE_OUT={probe_out}"]
    if tracemalloc:
        out.append("BENCH_TRACEMALLOC=1")
    return out


def run(command, probe_out=None, **popen_args):
    """Run *command* to its end (check=True) and measure it; see the module's docstring."""
    measure = Measure(load_before=os.getloadavg())
    children_before, self_before = _children_cpu(), _self_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, **popen_args)
    watcher = _Watcher(process.pid)
    watcher.start()
    returncode = process.wait()
    measure.seconds = time.perf_counter() - started
    watcher.done.set()
    watcher.join()
    measure.cpu = _children_cpu() - children_before
    measure.bench_cpu = _self_cpu() - self_before
    measure.load_after = os.getloadavg()
    if returncode:
        raise subprocess.CalledProcessError(returncode, command)
    measure.worker_cpu = sum(watcher.cpu.values())
    measure.worker_processes = len(watcher.cpu)
    measure.worker_waited = sum(
        seconds for pid, seconds in watcher.waited.items() if watcher.names.get(pid) == "worker"
    )
    for pid, seconds in watcher.cpu.items():
        count, total = measure.worker_names.get(watcher.names.get(pid, "?"), (0, 0.0))
        measure.worker_names[watcher.names.get(pid, "?")] = (count + 1, total + seconds)
    if watcher.hwm_kb:
        workers = [kb for pid, kb in watcher.hwm_kb.items() if watcher.names.get(pid) == "worker"]
        measure.worker_peak_rss_mb = max(workers or watcher.hwm_kb.values()) / 1024
        measure.worker_peak_rss_sum_mb = sum(watcher.hwm_kb.values()) / 1024
    if probe_out is not None and os.path.exists(probe_out):
        with open(probe_out) as handle:
            measure.probe = json.load(handle)
        measure.peak_rss_mb = measure.probe["vmhwm_kb"] / 1024
        measure.waited = measure.probe.get("run_delay_seconds")
    return measure


class CrawlProbe:
    """Scrapy extension: the crawl process's own VmHWM, VmRSS and CPU seconds
    at spider_closed, as JSON in BENCH_PROBE_OUT; with BENCH_TRACEMALLOC, the
    allocation sites holding most memory then and the commonest object types."""

    TOP = 25  # object types
    TOP_LINES = 300  # allocation sites, enough to compare two crawls' beyond their first few

    def __init__(self, path, trace=False):
        self.path = path
        self.trace = trace
        if trace:
            import tracemalloc

            tracemalloc.start(1)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        path = crawler.settings.get("BENCH_PROBE_OUT")
        if not path:
            raise NotConfigured
        probe = cls(path, crawler.settings.getbool("BENCH_TRACEMALLOC"))
        # Last of the spider_closed handlers: the pipelines have closed by then.
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        probe.stats = crawler.stats
        return probe

    def spider_closed(self, spider, reason):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures = {
            "vmhwm_kb": _status_kb("self", "VmHWM"),
            "vmrss_kb": _status_kb("self", "VmRSS"),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "run_delay_seconds": _run_delay("self"),
            "reason": reason,
        }
        if self.trace:
            figures.update(self._allocations())
        with open(self.path, "w") as handle:
            json.dump(figures, handle, indent=1)

    def _allocations(self):
        import collections
        import gc
        import tracemalloc

        snapshot = tracemalloc.take_snapshot()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines = [
            {"where": str(stat.traceback[0]), "kb": round(stat.size / 1024), "blocks": stat.count}
            for stat in snapshot.statistics("lineno")[: self.TOP_LINES]
        ]
        counts = collections.Counter(type(obj).__qualname__ for obj in gc.get_objects())
        return {
            "traced_mb": round(current / 2**20, 1),
            "traced_peak_mb": round(peak / 2**20, 1),
            "top_lines": lines,
            "gc_counts": counts.most_common(self.TOP),
        }
