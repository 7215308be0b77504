"""A figure's PNG put into the PDF as it is: its compressed pixel rows become the image's stream, not decoded.

reportlab's drawImage decodes every image with Pillow and compresses the pixels again (zlib, level 6): for the
report's figures that was a third of a PDF's time (benchmarks/README.md, report_stage.py). No library in the report's
environment embeds a PNG's data unchanged, so it is done here, in a few lines: PDF's FlateDecode filter with the PNG
predictors (PDF 32000-1:2008, 7.4.4.4: /Predictor 15, /Colors, /BitsPerComponent, /Columns) reads the concatenated
IDAT chunks of a non-interlaced PNG as they are (each row's PNG filter byte included). The figures are 8-bit RGB
(reports/figures.py); any other PNG (palette, alpha, 16-bit, interlaced) takes reportlab's own path.
"""

import hashlib
import struct

from reportlab.pdfbase import pdfdoc

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB, BIT_DEPTH = 2, 8  # IHDR colour type 2: truecolour without alpha


def png_rows(png):
    """(width, height, IDAT data) of an 8-bit RGB, non-interlaced PNG; None for any other PNG or a damaged one."""
    if not png.startswith(SIGNATURE):
        return None
    at, header, idat = len(SIGNATURE), None, []
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        data = png[at + 8 : at + 8 + length]
        if len(data) != length:
            return None
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            break
        at += 12 + length  # length, type, data, CRC
    if header is None or not idat:
        return None
    width, height, depth, colour, compression, filtering, interlace = header
    if (depth, colour, compression, filtering, interlace) != (BIT_DEPTH, RGB, 0, 0, 0):
        return None
    return width, height, b"".join(idat)


class PngImage(pdfdoc.PDFObject):
    """An image XObject whose stream is a PNG's IDAT data, decoded by the reader with the PNG predictors."""

    def __init__(self, width, height, rows):
        self.width, self.height, self.rows = width, height, rows

    def format(self, document):
        parameters = {"Predictor": 15, "Colors": 3, "BitsPerComponent": BIT_DEPTH, "Columns": self.width}
        entries = {
            "Type": pdfdoc.PDFName("XObject"),
            "Subtype": pdfdoc.PDFName("Image"),
            "Width": self.width,
            "Height": self.height,
            "BitsPerComponent": BIT_DEPTH,
            "ColorSpace": pdfdoc.PDFName("DeviceRGB"),
            "Filter": pdfdoc.PDFName("FlateDecode"),
            "DecodeParms": pdfdoc.PDFDictionary(parameters),
            "Length": len(self.rows),
        }
        return pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries), self.rows).format(document)


def draw_png(canvas, png, x, y, width, height):
    """Draw `png` into the box (x, y, width, height) in points; False, drawing nothing, when it is not a PNG that
    png_rows takes. Registers the image once per document, as reportlab's drawImage does (same steps: the XObject
    under its name, the page's use of it)."""
    found = png_rows(png)
    if found is None:
        return False
    name = hashlib.sha256(png).hexdigest()
    document = canvas._doc  # reportlab's canvas keeps its document and page code in private attributes
    registered = document.getXObjectName(name)
    if registered not in document.idToObject:
        image = PngImage(*found)
        document.Reference(image, registered)
        document.addForm(name, image)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)
    return True
