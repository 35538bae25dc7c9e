"""`simulate(..., out=)` writes each chunk on a background thread (`netaval._write_behind`)
while the kernel simulates the next one: overlap, errors and what a failure leaves."""

import importlib
import os
import threading
import time

import numpy as np
import pytest

import netaval
import topologies
from netaval._streaming import BoundedRecorder
from netaval.io import dataset as ds

NETWORK = topologies.random(2000, k=10, seed=1)
MODEL = netaval.Branching(sigma=1.0, drive=1e-3)
RUN = {"n_steps": 300, "seed": 3}


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of about 200 events: a run of about 6000 events streams some 30 chunks."""
    sim = importlib.import_module("netaval.simulate")
    monkeypatch.setattr(sim, "_CHUNK_EVENTS_BOUNDED", 200)
    monkeypatch.setattr(sim, "_STREAM_CHUNK_FACTOR", 1)
    return monkeypatch


def writer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("netaval-writer")]


def patch_writes(monkeypatch, before):
    """Call ``before(writer)`` on the writing thread ahead of every chunk write."""
    original = ds.DatasetWriter.write_chunk
    threads = set()

    def write_chunk(self, *args, **kwargs):
        threads.add(threading.get_ident())
        before(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ds.DatasetWriter, "write_chunk", write_chunk)
    return threads


def assert_prefix_of_the_full_run(path):
    """The chunks on disk are the first events of the in-memory run, exactly."""
    full = netaval.simulate(NETWORK, MODEL, **RUN).events
    back = ds.read_events(path)
    assert 0 < back.n_events < full.n_events
    for name in ("time", "neuron", "avalanche", "generation"):
        np.testing.assert_array_equal(getattr(back, name), getattr(full, name)[:back.n_events])


def test_a_chunk_is_written_while_the_next_one_is_simulated(tmp_path, small_chunks):
    """The first chunk's write waits until the engine has simulated the second chunk (its
    flush): a write on the simulating thread would wait for ever, and fail after 10 s."""
    second_flush = threading.Event()
    waited = []

    def before(writer):
        if writer.n_chunks == 0:
            waited.append(second_flush.wait(10))

    threads = patch_writes(small_chunks, before)
    flush, flushes = BoundedRecorder.flush, []

    def counting_flush(self, *args):
        flushes.append(1)
        if len(flushes) == 2:
            second_flush.set()
        return flush(self, *args)

    small_chunks.setattr(BoundedRecorder, "flush", counting_flush)
    run = netaval.simulate(NETWORK, MODEL, out=tmp_path / "run", **RUN)
    assert waited == [True]
    assert threads and threading.get_ident() not in threads
    assert len(list(ds.iter_chunks(tmp_path / "run"))) > 10
    reloaded = netaval.Avalanches.from_dataset(tmp_path / "run")
    np.testing.assert_array_equal(reloaded.size, run.avalanches.size)
    assert writer_threads() == []  # closed with the run


def test_a_failing_chunk_write_stops_the_run_with_its_error(tmp_path, small_chunks):
    """Disk full at chunk 3: simulate raises that error, chunks 0-2 stay readable and equal
    the in-memory run's first events, and the dataset is marked incomplete."""
    def before(writer):
        if writer.n_chunks == 3:
            raise OSError(28, "No space left on device")

    patch_writes(small_chunks, before)
    with pytest.raises(OSError, match="No space left on device"):
        netaval.simulate(NETWORK, MODEL, out=tmp_path / "run", **RUN)
    assert writer_threads() == []
    assert [chunk.index for chunk in ds.iter_chunks(tmp_path / "run")] == [0, 1, 2]
    assert ds.read_manifest(tmp_path / "run")["complete"] is False
    assert_prefix_of_the_full_run(tmp_path / "run")


def test_a_failing_run_lets_the_chunk_being_written_complete(tmp_path, small_chunks):
    """The run fails (here: interrupted at its fifth flush) while chunk 3 is still being
    written: simulate raises only once that chunk is on disk, and stops the thread."""
    def before(writer):
        if writer.n_chunks == 3:
            time.sleep(0.5)

    patch_writes(small_chunks, before)
    flush, flushes = BoundedRecorder.flush, []

    def interrupted_flush(self, *args):
        flushes.append(1)
        if len(flushes) == 5:
            raise KeyboardInterrupt
        return flush(self, *args)

    small_chunks.setattr(BoundedRecorder, "flush", interrupted_flush)
    with pytest.raises(KeyboardInterrupt):
        netaval.simulate(NETWORK, MODEL, out=tmp_path / "run", **RUN)
    assert writer_threads() == []
    assert sorted(os.listdir(tmp_path / "run")) == [
        "_manifest.json", *(f"part-{k:06d}.parquet" for k in range(4))]
    assert_prefix_of_the_full_run(tmp_path / "run")
