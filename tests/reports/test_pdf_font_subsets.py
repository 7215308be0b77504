"""Tests of scripts/reports/pdf_font_subsets.py: reused font subsets give the PDFs matplotlib writes without them."""

import pytest
from test_render_reports import make_batch

from reports import pdf_font_subsets
from reports import render_reports as rr


@pytest.fixture
def job(tmp_path):
    job = make_batch(tmp_path)
    job["pdf_paths"] = [p.with_suffix(".pdf") for p in job["json_paths"]]
    return job


def pdfs(job):
    rr.render_reports(**job)
    return [p.read_bytes() for p in job["pdf_paths"]]


def test_pdfs_are_the_same_bytes_with_and_without_reused_subsets(job, monkeypatch):
    pdf_font_subsets.disable()
    monkeypatch.setattr(pdf_font_subsets, "enable", lambda: False)  # matplotlib's own subsetting, every time
    without = pdfs(job)
    monkeypatch.undo()
    with_cache = pdfs(job)  # pdf_bytes enables the cache: the first report fills it, later ones reuse it
    info = pdf_font_subsets._subset.cache_info()
    again = pdfs(job)  # every subset now comes from the cache
    pdf_font_subsets.disable()
    assert info.hits > 0 and pdf_font_subsets._subset.cache_info().currsize == 0
    assert with_cache == without and again == without
    assert all(pdf.startswith(b"%PDF-") for pdf in without)


def test_disable_puts_matplotlibs_functions_back():
    from matplotlib.backends import _backend_pdf_ps

    pdf_font_subsets.disable()  # other tests' reports may have enabled it
    original = _backend_pdf_ps.get_glyphs_subset
    assert pdf_font_subsets.enable() and _backend_pdf_ps.get_glyphs_subset is pdf_font_subsets.get_glyphs_subset
    pdf_font_subsets.disable()
    assert _backend_pdf_ps.get_glyphs_subset is original
