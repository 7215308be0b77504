"""The PDF canvas of the report: reportlab draws the pages that reports/pdf.py lays out, and measures their text.

Why reportlab: pdf.py already lays every line, cell and figure out itself; what it needs is a canvas that writes text,
rectangles, lines and PNG images to a PDF. matplotlib did this before (a full figure per page, its text placed through
its artist machinery and its fonts subset by fontTools) at ~4 s per report, 90% of the report job's time; reportlab's
canvas writes the same page in a few milliseconds (measured in benchmarks/report_stage.py). reportlab is the standard
PDF library of the Python world (conda-forge and PyPI), pure Python with Pillow for images, and writes byte-stable
files in its invariant mode. Its document information would still carry a creation date (fixed at 2000-01-01 in that
mode, which a reader would take for the report's date), an "anonymous" author and a content digest as file ID: the
canvas writes only the title, creator and producer, and no ID (optional in an unencrypted PDF), as matplotlib did.

The fonts are DejaVu Sans and DejaVu Sans Bold from matplotlib's own data folder (matplotlib draws the figures, so
the same font files are present wherever the report runs): embedded as TrueType subsets, so text stays selectable and
searchable, and the same glyph advances measure the text that pdf.py wraps.
"""

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
import reportlab
from reportlab import rl_config
from reportlab.lib.colors import toColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from reports.pdf_png import draw_png

# Images as binary streams: reportlab's default ASCII85 text encoding is written in pure Python (most of a PDF's time).
rl_config.useA85 = 0
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}  # bold -> file in matplotlib's fonts/ttf
FONT_NAMES = {False: "DejaVuSans", True: "DejaVuSans-Bold"}


@lru_cache(maxsize=1)
def register_fonts():
    """Register both faces with reportlab once per process; returns their names by boldness."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for bold, name in FONT_NAMES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / FONT_FILES[bold])))
    return FONT_NAMES


@lru_cache(maxsize=1 << 16)
def text_width(text, size, bold):
    """Width of `text` in points at `size`: the glyph advances of the face the canvas draws it with."""
    return pdfmetrics.stringWidth(text, register_fonts()[bold], size)


@lru_cache(maxsize=256)
def _colour(name):
    """A reportlab colour from '#RRGGBB' or a CSS name ('white')."""
    return toColor(name)


class _Info(pdfdoc.PDFInfo):
    """The PDF's document information: title, creator and producer only (no dates, author, subject or keywords)."""

    def format(self, document):
        entries = {"Title": self.title, "Creator": self.creator, "Producer": self.producer}
        return pdfdoc.PDFDictionary({k: pdfdoc.PDFString(v) for k, v in entries.items()}).format(document)


class PageCanvas:
    """A4 pages drawn from top-left coordinates in inches (pdf.py's), written to PDF bytes by `finish`."""

    def __init__(self, width, height, title):
        register_fonts()
        self.width, self.height = width, height
        self.buffer = io.BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=(width * 72, height * 72),
            invariant=1,
            pageCompression=1,
            initialFontName=FONT_NAMES[False],
        )
        info = _Info()
        info.title, info.creator, info.producer = title, "genorisk", f"reportlab {reportlab.Version}"
        self.canvas._doc.info = info  # reportlab keeps the document (its info and trailer ID) in _doc
        self.canvas._doc.ID = lambda: None

    def _xy(self, x, y):
        return x * 72, (self.height - y) * 72

    def text(self, x, y, text, size, bold, colour, align="left"):
        """`text` with its baseline at (x, y)."""
        c = self.canvas
        c.setFont(FONT_NAMES[bold], size)
        c.setFillColor(_colour(colour))
        px, py = self._xy(x, y)
        (c.drawRightString if align == "right" else c.drawString)(px, py, text)

    def rect(self, x, y, w, h, fill, edge, line_width):
        """A rectangle whose top-left corner is (x, y); `fill`/`edge` colours or None."""
        c = self.canvas
        if fill:
            c.setFillColor(_colour(fill))
        if edge:
            c.setStrokeColor(_colour(edge))
            c.setLineWidth(line_width)
        px, py = self._xy(x, y + h)
        c.rect(px, py, w * 72, h * 72, stroke=1 if edge and line_width else 0, fill=1 if fill else 0)

    def line(self, x0, y0, x1, y1, colour, line_width):
        c = self.canvas
        c.setStrokeColor(_colour(colour))
        c.setLineWidth(line_width)
        c.line(*self._xy(x0, y0), *self._xy(x1, y1))

    def image(self, x, y, w, h, png):
        """PNG bytes scaled into the box whose top-left corner is (x, y): the figures' rows as they are
        (reports/pdf_png.py), any other PNG through reportlab's decoding."""
        px, py = self._xy(x, y + h)
        if not draw_png(self.canvas, png, px, py, w * 72, h * 72):
            self.canvas.drawImage(ImageReader(io.BytesIO(png)), px, py, w * 72, h * 72)

    def next_page(self):
        self.canvas.showPage()

    def finish(self):
        self.canvas.save()
        return self.buffer.getvalue()
