"""Labels beside scatter points that do not cover one another (the batch PCA figure: samples projected close
together, e.g. on PC3-PC4, had their names written over each other).

Greedy: each label in turn takes the first of OFFSETS (points from its point, nearest first) whose box overlaps
neither a label already placed nor any of the points (MARKER_HALF points around each); a label moved off its first
place gets a leader line to its point. Labels sit on a white box, so they stay legible over dense panel clouds.
Box sizes are estimated from the text length (CHAR_WIDTH x font size per character): enough for short labels.
"""

import numpy as np

CHAR_WIDTH, LINE_HEIGHT = 0.62, 1.3  # of the font size, for DejaVu Sans text
MARKER_HALF = 5
BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
OFFSETS = [(dx, dy) for dy in (6, -14, 20, -28, 34, -42, 48, -56) for dx in (6, -6)]


def _overlaps(box, boxes):
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def place_labels(ax, xy, texts, fontsize=9):
    """Annotate ax at each (x, y) in `xy` (data coordinates) with the matching text, no two labels overlapping."""
    ax.autoscale_view()  # the data limits as they will be drawn, so the display coordinates hold
    scale = 72 / ax.figure.dpi  # display pixels to points
    anchors = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2)) * scale
    placed = [(px - MARKER_HALF, py - MARKER_HALF, px + MARKER_HALF, py + MARKER_HALF) for px, py in anchors]
    for (x, y), (px, py), text in zip(xy, anchors, texts, strict=True):
        width, height = CHAR_WIDTH * fontsize * len(text), LINE_HEIGHT * fontsize
        for dx, dy in OFFSETS:
            left = px + dx if dx > 0 else px + dx - width
            box = (left, py + dy, left + width, py + dy + height)
            if not _overlaps(box, placed):
                break
        placed.append(box)
        moved = (dx, dy) != OFFSETS[0]
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha="left" if dx > 0 else "right",
                    va="bottom", fontsize=fontsize, zorder=6, bbox=BOX,
                    arrowprops={"arrowstyle": "-", "lw": 0.8} if moved else None)  # fmt: skip
