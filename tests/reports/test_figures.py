"""Tests of scripts/reports/figures.py that the report tests do not cover: shared points in the batch scatter, and a
group name under the sample's marker in the ancestry figure."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
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


def test_a_group_name_under_the_samples_marker_is_drawn_again_over_it():
    """The demo's demo03 case: its marker sat on "AFR". A marker on a name gets a copy of that name drawn above it
    (higher z-order, white outline); a marker away from every name gets none."""
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.subplots()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.annotate("AFR", (50, 50), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", zorder=2)
    ax.annotate("EUR", (10, 10), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", zorder=2)
    renderer = FigureCanvasAgg(fig).get_renderer()
    copies = figures._group_names_over(ax, renderer, 50, 51)
    assert [(c.get_text(), c.get_zorder() > 5) for c in copies] == [("AFR", True)]  # over the marker (z-order 5)
    assert figures._group_names_over(ax, renderer, 80, 80) == []
