"""Reuse matplotlib's TrueType font subsets between the PDFs one process writes (same bytes, a fraction of the time).

matplotlib embeds every font of a PDF as a Type 42 subset made with fontTools when the PDF closes
(backend_pdf.embedTTFType42 -> _backend_pdf_ps.get_glyphs_subset, then font_as_file). Each call reads and decompiles
the whole font file again (DejaVu Sans' large GPOS/GSUB tables): measured ~0.9 s per font on a loaded 2-core machine,
four fonts per report, most of a report job's time. The subset depends only on the font file, its face and the set of
glyphs, and the reports of one job use a few distinct glyph sets, so `enable()` wraps both functions with a cache keyed
on exactly those: a repeat gets the bytes fontTools wrote the first time. fontTools' subsetting and saving are
deterministic (the reports' PDFs are byte-stable; tests/reports/test_render_reports.py checks), so a PDF is the same
bytes
with or without the cache (tests/reports/test_pdf_font_subsets.py checks that too).

Written against matplotlib 3.10-3.11's private _backend_pdf_ps (get_glyphs_subset returning a context manager of
SubsetResults(font, glyph_index_map), font_as_file(font)); `enable()` leaves matplotlib alone when that shape differs.
"""

import contextlib
import functools
from io import BytesIO

from matplotlib.backends import _backend_pdf_ps

MAX_SUBSETS = 256  # cached subsets per process (each a few tens of kB)


class _Subset:
    """What the wrapped get_glyphs_subset yields: the subset's saved bytes in place of the fontTools font."""

    def __init__(self, data, glyph_index_map):
        self.font = data
        self.glyph_index_map = glyph_index_map


@functools.lru_cache(maxsize=MAX_SUBSETS)
def _subset(fontfile, glyphs):
    with _ORIGINAL["get_glyphs_subset"](fontfile, glyphs) as result:
        return _ORIGINAL["font_as_file"](result.font).getvalue(), dict(result.glyph_index_map)


@contextlib.contextmanager
def get_glyphs_subset(fontfile, glyphs):
    data, index_map = _subset(fontfile, frozenset(glyphs))
    yield _Subset(data, dict(index_map))


def font_as_file(font):
    if isinstance(font, bytes):
        return BytesIO(font)
    return _ORIGINAL["font_as_file"](font)


_ORIGINAL = {}


def enable():
    """Install the cache in matplotlib (once per process); returns whether it is installed."""
    if _ORIGINAL:
        return True
    names = ("get_glyphs_subset", "font_as_file")
    if not all(callable(getattr(_backend_pdf_ps, name, None)) for name in names):
        return False
    for name in names:
        _ORIGINAL[name] = getattr(_backend_pdf_ps, name)
    _backend_pdf_ps.get_glyphs_subset = get_glyphs_subset
    _backend_pdf_ps.font_as_file = font_as_file
    return True


def disable():
    """Put matplotlib's own functions back and forget the cached subsets (for tests)."""
    for name, function in _ORIGINAL.items():
        setattr(_backend_pdf_ps, name, function)
    _ORIGINAL.clear()
    _subset.cache_clear()
