"""bench.load's pure parts: students' pauses and the percentile its tables print."""

from __future__ import annotations

import itertools

from bench.load import percentile, think_times


def test_pauses_are_seeded_per_student_and_round_and_stay_in_range():
    first = list(itertools.islice(think_times(2.0, 3, 0), 50))
    assert first == list(itertools.islice(think_times(2.0, 3, 0), 50))  # the same student
    assert first != list(itertools.islice(think_times(2.0, 4, 0), 50))  # another student
    assert first != list(itertools.islice(think_times(2.0, 3, 1), 50))  # another round
    assert all(1.0 <= x <= 3.0 for x in first)
    assert 1.7 < sum(first) / len(first) < 2.3
    assert set(itertools.islice(think_times(0.0, 3, 0), 5)) == {0.0}  # back to back


def test_the_percentile_is_a_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.5) == 50
    assert percentile([7.0], 0.95) == 7.0
