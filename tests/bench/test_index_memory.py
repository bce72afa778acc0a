"""bench/index_memory.py builds the near-duplicate index of N stored signatures."""

from bench.index_memory import index_memory


def test_the_index_of_stored_signatures_takes_memory():
    mb, seconds = index_memory(2000)
    assert mb > 0 and seconds > 0
