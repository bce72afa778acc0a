"""The generated portal's agencies: distinct, the first ones unchanged by size."""

import pytest

from bench.generate_portal import agencies


def test_agencies_are_distinct_up_to_5000_and_start_the_same():
    pairs = agencies(5000)
    assert len(set(pairs)) == 5000
    assert pairs[:1000] == agencies(1000)
    assert pairs[0] == ("任城区人民政府办公室", 2019)


def test_more_agencies_than_there_are_is_an_error():
    with pytest.raises(ValueError, match="at most"):
        agencies(10**6)
