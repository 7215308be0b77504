"""Tests of scripts/reports/figure_template.py: a stamped figure is the figure drawn whole, sample after sample."""

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.image import imread

from reports.figure_template import BatchTemplate, frozen


def batch_figure():
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.subplots()
    ax.scatter([0, 1, 2, 3], [1, 3, 2, 4], s=40, color="#6E6E6E", zorder=2)
    ax.set_xlim(-1, 4)
    ax.set_ylim(0, 5)
    ax.set_title("batch")
    return fig


def sample_marks(ax, x, y, name):
    return [ax.scatter([x], [y], marker="D", s=110, color="#D55E00", zorder=4),
            ax.annotate(name, (x, y), xytext=(8, 8), textcoords="offset points", zorder=5)]  # fmt: skip


def pixels(png):
    return imread(io.BytesIO(png), format="png")[..., :3]


def whole(x, y, name):
    """The same figure drawn from scratch with the sample's marks (the reference the stamp must equal)."""
    fig = batch_figure()
    sample_marks(fig.axes[0], x, y, name)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return pixels(buffer.getvalue())


def test_a_stamp_is_the_figure_drawn_whole():
    template = BatchTemplate(batch_figure())
    ax = template.fig.axes[0]
    first = template.stamp(sample_marks(ax, 1.5, 2.5, "S1"))
    second = template.stamp(sample_marks(ax, 3.0, 1.0, "S2"))
    again = template.stamp(sample_marks(ax, 1.5, 2.5, "S1"))
    assert first == again  # the marks of S2 left nothing behind
    assert first != second
    assert np.array_equal(pixels(first), whole(1.5, 2.5, "S1"))
    assert np.array_equal(pixels(second), whole(3.0, 1.0, "S2"))
    assert ax.collections[-1].get_offsets().tolist() == [[0, 1], [1, 3], [2, 2], [3, 4]]  # only the batch is left
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in first


def test_frozen_json_is_hashable_and_equal_for_equal_data():
    a = frozen([{"label": "EUR", "mean": [1.0, 2.0], "cov": [[1, 0], [0, 1]]}])
    b = frozen([{"cov": [[1, 0], [0, 1]], "mean": [1.0, 2.0], "label": "EUR"}])
    assert a == b and hash(a) == hash(b)
    assert dict(a[0])["mean"] == (1.0, 2.0)
    assert frozen([{"label": "AFR"}]) != frozen([{"label": "EUR"}])
