"""Figures drawn once per batch and stamped per sample (reports/figures.py), and the key of their cache."""

import io

import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402  (after the backend is chosen)
from PIL import Image  # noqa: E402


class BatchTemplate:
    """A figure whose batch part is drawn once and stamped with each sample's marks (the variant figures).

    In a batch of thousands, every report shows the same batch points, axes and legend; only the sample's marks
    differ. The batch part is rendered once per process (`canvas.draw()` skips animated artists), its pixels kept,
    and each sample's artists drawn over a copy of them (matplotlib's blitting), so a figure costs its PNG encoding
    instead of a full redraw. The sample's artists are drawn last, in their z-order, so they lie over the batch points.
    """

    def __init__(self, fig):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)

    def stamp(self, artists):
        """PNG bytes of the batch part with `artists` (just added to the figure) drawn on it; the artists are then
        removed, so the template serves the next sample."""
        self.canvas.restore_region(self.background)
        for artist in sorted(artists, key=lambda a: a.get_zorder()):
            artist.set_animated(True)
            self.fig.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())[..., :3]  # the figure is opaque: RGB, a quarter smaller
        buffer = io.BytesIO()
        # Pillow (matplotlib's own PNG writer) rather than matplotlib's imsave, which adds the alpha channel back. An
        # RGB PNG also goes into the PDF as it is (reports/pdf_png.py). zlib level 1: a third less time than the
        # default 6 for ~5% more bytes (figures of flat colours). No text chunks: the bytes depend on the pixels only.
        dpi = self.fig.get_dpi()
        Image.fromarray(np.ascontiguousarray(pixels), "RGB").save(
            buffer, format="png", dpi=(dpi, dpi), compress_level=1
        )
        for artist in artists:
            artist.remove()
        return buffer.getvalue()


def frozen(value):
    """A hashable copy of JSON data (lists to tuples, dicts to sorted item tuples), to key the cached templates."""
    if isinstance(value, dict):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value
