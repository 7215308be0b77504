"""scripts/reports/pdf_png.py: a figure's PNG rows go into the PDF unchanged and read back as the same pixels.

Oracles: Pillow's decoding of the PNG, and poppler's pdfimages (another PDF reader) extracting the image the PDF
holds; the PNG's header values are set by the test when it writes the file.
"""

import io
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from PIL import Image

from reports.pdf_canvas import PageCanvas
from reports.pdf_png import png_rows

WIDTH, HEIGHT = 37, 23  # odd sizes: rows of 111 bytes plus their filter byte


def png(mode="RGB", **save):
    """A deterministic test picture in `mode`, as PNG bytes."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
    pixels[5:15, 10:30] = (200, 30, 30)  # a flat block: PNG's row filters differ across the picture
    image = Image.fromarray(pixels, "RGB").convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save)
    return buffer.getvalue()


def test_png_rows_of_an_rgb_png_and_none_for_others():
    data = png(compress_level=1)
    width, height, rows = png_rows(data)
    assert (width, height) == (WIDTH, HEIGHT)
    # the IDAT data inflate to one filter byte and 3 bytes per pixel for each row
    assert len(zlib.decompress(rows)) == HEIGHT * (1 + 3 * WIDTH)
    assert png_rows(png("RGBA")) is None  # alpha: reportlab's own path
    assert png_rows(png("P")) is None  # palette
    assert png_rows(png("L")) is None  # grey
    assert png_rows(b"GIF89a...") is None
    assert png_rows(data[:40]) is None  # cut inside its first IDAT


@pytest.mark.skipif(not shutil.which("pdfimages"), reason="poppler-utils (pdfimages) are not installed")
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_the_pdf_holds_the_pictures_pixels(tmp_path, mode):
    """An RGB PNG goes in as its rows, an RGBA one through reportlab: poppler reads back the same RGB pixels."""
    data = png(mode)
    page = PageCanvas(8.27, 11.69, "test")
    page.image(1, 1, 3, 2, data)
    page.image(1, 4, 3, 2, data)  # the same picture twice: stored once
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(page.finish())
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert len(rows) == 2 and rows[0][10] == rows[1][10]  # two uses of one object (column "object")
    assert rows[0][3:6] == [str(WIDTH), str(HEIGHT), "rgb"]
    subprocess.run(["pdfimages", "-png", str(pdf), str(tmp_path / "out")], check=True)
    extracted = np.asarray(Image.open(tmp_path / "out-000.png").convert("RGB"))
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert np.array_equal(extracted, expected)
