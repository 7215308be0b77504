"""Labels beside crowded points (structure/label_placement.py): judged by the boxes matplotlib itself draws them in."""

from itertools import combinations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from structure.label_placement import place_labels


def drawn_boxes(points, texts):
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    ax.scatter(*zip(*[(0, 0), (10, 10)], strict=True))  # the axis range the points sit in
    place_labels(ax, points, texts)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # places the annotations
    renderer = canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in ax.texts], ax  # the text alone, not its leader line


def test_labels_of_points_on_top_of_each_other_do_not_overlap():
    points = [(5, 5), (5.05, 5), (5, 5.05), (5.1, 5.1), (4.95, 5), (5, 4.95)]
    boxes, ax = drawn_boxes(points, [f"demo0{i} (EUR)" for i in range(1, 7)])
    assert len(boxes) == 6
    assert [(a, b) for a, b in combinations(range(6), 2) if boxes[a].overlaps(boxes[b])] == []
    # a label whose box is not within 12 px of its point is tied to it by a leader line
    for text, box in zip(ax.texts, boxes, strict=True):
        x, y = ax.transData.transform(text.xy)
        gap = max(box.x0 - x, x - box.x1, box.y0 - y, y - box.y1)
        assert gap <= 12 or text.arrow_patch is not None, text.get_text()
    assert sum(t.arrow_patch is not None for t in ax.texts) >= 4  # six labels cannot all sit right beside


def test_a_lone_label_sits_up_right_of_its_point():
    boxes, ax = drawn_boxes([(2, 3)], ["demo01 (AFR)"])
    x, y = ax.transData.transform((2, 3))
    assert boxes[0].x0 > x and boxes[0].y0 > y
