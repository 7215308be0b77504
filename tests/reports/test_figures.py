"""Tests of scripts/reports/figures.py that the report tests do not cover: shared points in the batch scatter."""

from matplotlib.figure import Figure

from reports import figures


def test_a_few_shared_points_are_labelled_with_their_count():
    ax = Figure().subplots()
    points = [(1.0, 0.3), (1.0, 0.3), (1.0, 0.3), (0.99, 0.2), (0.98, 0.25), (0.98, 0.25)]
    assert figures._label_stacked(ax, points)
    assert sorted(t.get_text() for t in ax.texts) == ["\u00d72", "\u00d73"]


def test_many_shared_points_are_not_labelled_one_by_one():
    ax = Figure().subplots()
    points = [(1.0, i / 100) for i in range(figures.MAX_STACK_LABELS + 1) for _ in range(2)]  # 9 points, 2 each
    assert not figures._label_stacked(ax, points)
    assert len(ax.texts) == 0
