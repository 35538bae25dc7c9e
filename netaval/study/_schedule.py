"""The order local workers get tasks in: longest expected first, learnt while the study runs.

The tasks of one grid point (its replicates) differ only by their seeds, so their costs are
alike: the mean duration observed for a group predicts its other tasks. Handing the long
ones out first means the tasks that finish last are short, so no worker sits idle for long
while another finishes (with 24 tasks of 1.35 s and 24 of 0.73 s on 2 workers, grid order
leaves one worker idle for up to 1.35 s at the end; longest first, for at most 0.73 s).
Results never depend on the order: each task's seed is spawned from its grid position.
"""

from __future__ import annotations

import heapq
from collections import deque

__all__ = ["LongestFirst", "group_key"]


def group_key(task) -> str:
    """What identifies a task's grid point: every column of the task but its index, its
    replicate and the root seed (tasks that differ only by replicate share a key)."""
    columns = task.columns()
    for name in ("task", "replicate", "root_seed"):
        columns.pop(name)
    return repr(sorted(columns.items()))


class LongestFirst:
    """Hands out ``tasks`` longest expected first, learning each group's cost from results.

    `next` picks, among the groups with tasks left:

    1. groups with no observed duration yet, fewest tasks handed out first (so that every
       group is tried once before any is tried twice), then the largest network (the cost
       of a task grows with its network), then grid order;
    2. then the observed groups, by decreasing mean observed duration, ties in grid order.

    Within a group, tasks go in grid order. `observe` records a finished task's duration.

    Parameters
    ----------
    tasks : list of Task

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> def task(index, sigma):
    ...     return SimpleNamespace(index=index, n_nodes=100, columns=lambda: {
    ...         "task": index, "replicate": index % 2, "root_seed": 1, "sigma": sigma})
    >>> order = LongestFirst([task(0, 0.9), task(1, 0.9), task(2, 0.95), task(3, 0.95)])
    >>> [order.next().index, order.next().index]  # one of each group, grid order
    [0, 2]
    >>> order.observe(0, 0.7); order.observe(2, 1.4)  # sigma = 0.95 is the long one
    >>> [order.next().index, order.next().index, len(order)]
    [3, 1, 0]
    """

    def __init__(self, tasks) -> None:
        self._queues: dict[str, deque] = {}
        self._group: dict[int, str] = {}
        for task in sorted(tasks, key=lambda task: task.index):
            key = group_key(task)
            self._queues.setdefault(key, deque()).append(task)
            self._group[task.index] = key
        #: position of each group's first task in grid order, and its network size
        self._rank = {key: (i, queue[0].n_nodes) for i, (key, queue) in
                      enumerate(self._queues.items())}
        self._handed = dict.fromkeys(self._queues, 0)
        self._seconds = dict.fromkeys(self._queues, 0.0)
        self._observed = dict.fromkeys(self._queues, 0)
        self._left = len(self._group)
        #: (priority, group) entries; an entry is current while it equals `_current[group]`
        self._heap: list = []
        self._current: dict[str, tuple] = {}
        for key in self._queues:
            self._push(key)

    def __len__(self) -> int:
        return self._left

    def _push(self, key: str) -> None:
        position, n_nodes = self._rank[key]
        if self._observed[key]:
            priority = (1, -self._seconds[key] / self._observed[key], position)
        else:
            priority = (0, self._handed[key], -n_nodes, position)
        self._current[key] = priority
        heapq.heappush(self._heap, (priority, key))

    def next(self):
        """The next task to hand out (`IndexError` when none is left)."""
        while self._heap:
            priority, key = heapq.heappop(self._heap)
            if self._current.get(key) != priority or not self._queues[key]:
                continue  # superseded by a later entry, or the group is done
            self._handed[key] += 1
            self._left -= 1
            task = self._queues[key].popleft()
            if self._queues[key]:
                self._push(key)
            return task
        raise IndexError("no task left")

    def observe(self, index: int, seconds: float) -> None:
        """Record that task ``index`` took ``seconds``."""
        key = self._group[index]
        self._seconds[key] += seconds
        self._observed[key] += 1
        if self._queues[key]:
            self._push(key)
