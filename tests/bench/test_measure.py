"""bench/measure.py finds the processes a crawl forks through forkserver."""

import sys

from bench import measure

CHILD = """
import multiprocessing

def spin(n):
    return sum(range(n))

if __name__ == "__main__":
    pool = multiprocessing.get_context("forkserver").Pool(2)
    print(pool.map(spin, [10_000_000] * 4))
    pool.close()
    pool.join()
"""


def test_run_splits_cpu_between_the_process_and_its_forked_workers(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    figures = measure.run([sys.executable, str(script)])
    count, seconds = figures.worker_names["worker"]
    assert count == 2 and seconds > 0
    assert figures.worker_names["forkserver"][0] == 1
    assert figures.worker_cpu >= seconds
    # The workers are the forkserver's children: not counted again in the parent's
    # RUSAGE_CHILDREN, which holds its own start-up only.
    assert figures.cpu < seconds / 2
    assert figures.worker_peak_rss_mb > 0
    assert figures.seconds > 0 and len(figures.load_before) == 3
