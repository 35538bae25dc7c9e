"""Activity of bounded runs: the recorder bins each chunk as it is consumed, by binary
search on the bin edges when the chunk is in time order (what engines write), by a pass
over the events otherwise; both equal binning the whole run at once."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netaval._streaming import BoundedRecorder

chunks = st.lists(st.lists(st.integers(0, 40), max_size=30), max_size=6)


def binned(chunk_list, *, continuous, ordered, shift=0.0):
    recorder = BoundedRecorder(4, continuous, limit=1 << 20, n_nodes=1, summaries=False,
                               writer=None, n_carried=0)
    everything = []
    for chunk in chunk_list:
        time = np.array(sorted(chunk) if ordered else chunk, np.int64)
        if continuous:
            time = time + shift  # within the bin: floor(t + shift) == t for 0 <= shift < 1
        recorder._bin(time)
        everything.extend(chunk)
    n_bins = max(everything, default=-1) + 2
    return recorder.activity(n_bins), np.bincount(np.array(everything, np.int64),
                                                  minlength=n_bins)


@settings(max_examples=200, deadline=None)
@given(chunks, st.booleans(), st.booleans(), st.floats(0.0, 0.999))
def test_chunked_activity_equals_binning_the_whole_run(chunk_list, continuous, ordered,
                                                       shift):
    got, expected = binned(chunk_list, continuous=continuous, ordered=ordered, shift=shift)
    np.testing.assert_array_equal(got, expected)


def test_a_chunk_out_of_time_order_is_binned_exactly():
    got, expected = binned([[5, 2, 2, 9], [1, 3]], continuous=False, ordered=False)
    assert got.tolist() == expected.tolist() == [0, 1, 2, 1, 0, 1, 0, 0, 0, 1, 0]
