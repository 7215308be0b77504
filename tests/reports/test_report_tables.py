"""Tables that never split an ordinary word (scripts/reports/pdf.py, html_page.py) and numbers rounded once from the
report JSON to the page and the PDF (reports/number_format.py), on a full batch rendered from the hand-made fixtures."""

import json
import re
import shutil

import pytest
from test_render_reports import QC, full_page_text, make_full_batch, pdf_text

from reports import pdf
from reports import render_reports as rr
from reports.content import Bold, Table, document
from reports.html_page import CSS

DEPTHS = {"S1": 2.34861, "S3": 2.35}  # 2.34861 -> 2.3 (once); 2.35 -> 2.4 (half-up on the decimal value)


def test_fit_widths_by_hand():
    # Shares 8 x (1, 1, 2) / 4 = (2, 2, 4); column 1 needs 3, so it gets 3 and the others share 5 as 1 : 2.
    assert pdf.fit_widths([1, 1, 2], [0, 3, 0], 8) == pytest.approx([5 / 3, 3, 10 / 3])
    # Shares (2, 2, 4) but column 2 needs 5: it gets 5, the others 3 / 2 each, which still covers column 0's 1.
    assert pdf.fit_widths([1, 1, 2], [1, 0, 5], 8) == pytest.approx([1.5, 1.5, 5])
    assert pdf.fit_widths([1, 1], [5, 5], 8) is None  # 10 inches of words cannot fit in 8
    assert pdf.fit_widths([1, 3], [4, 4], 8) == pytest.approx([4, 4])  # both at their minimum


def test_narrow_column_is_widened_to_its_longest_word():
    block = Table(["Gene", "Classification"], [["CFTR", "Pathogenic"]], widths=[20, 1])
    size = pdf.SIZES["table"]
    # Its share by weight, WIDTH / 21 = 6.87 / 21 = 0.33 inch (23.6 points), is narrower than the bold word.
    word = pdf.text_width("Classification", size, True)
    assert pdf.WIDTH / 21 * 72 < word
    assert len(pdf.wrap([Bold("Classification")], size, pdf.WIDTH / 21 * 72 - 2 * pdf.CELL_PAD)) > 1  # split
    widths, used = pdf.table_layout(block)
    assert used == size and sum(widths) == pytest.approx(pdf.WIDTH)
    assert widths[1] * 72 - 2 * pdf.CELL_PAD >= word
    (line,) = pdf.wrap([Bold("Classification")], size, widths[1] * 72 - 2 * pdf.CELL_PAD)
    assert [run[1] for run in line] == ["Classification"]


def test_table_type_shrinks_when_the_longest_words_cannot_stand_side_by_side():
    block = Table(["Classification"] * 8, [["x"] * 8])
    # At 8.5 points eight bold "Classification" (about 64 points each, plus 6 of padding) need more than 6.87 inches.
    assert 8 * (pdf.text_width("Classification", pdf.SIZES["table"], True) + 2 * pdf.CELL_PAD) > pdf.WIDTH * 72
    widths, size = pdf.table_layout(block)
    assert pdf.MIN_TABLE_SIZE <= size < pdf.SIZES["table"]
    assert all(len(pdf.wrap([Bold("Classification")], size, w * 72 - 2 * pdf.CELL_PAD)) == 1 for w in widths)


def test_only_a_column_of_codes_breaks_inside_a_word():
    digest = "e47f6558de670e0507fe" * 4  # 80 characters: wider than the page
    block = Table(["Role", "SHA-256"], [["reference genome", digest]], widths=[1, 1], mono=(1,))
    widths, size = pdf.table_layout(block)
    assert size == pdf.SIZES["table"] and widths == pytest.approx([pdf.WIDTH / 2] * 2)  # the hash does not count
    assert len(pdf.wrap([digest], size, widths[1] * 72 - 2 * pdf.CELL_PAD)) > 1


def test_html_headers_break_only_between_words():
    css = re.sub(r"\s+", " ", CSS)
    assert "th, td:not(.mono) { overflow-wrap: normal; word-break: normal; hyphens: manual; }" in css
    assert "td.mono {" in css and "word-break: break-all" in css


@pytest.fixture(scope="module")
def shallow(tmp_path_factory):
    """The full batch with S1's mean depth 2.34861 and S3's 2.35; PDFs of S1 and S3."""
    job = make_full_batch(tmp_path_factory.mktemp("shallow"))
    for sample, value in DEPTHS.items():
        path = job["qc_paths"][list(QC).index(sample)]
        qc = json.loads(path.read_text())
        qc["metrics"]["mean_depth"] = value
        path.write_text(json.dumps(qc))
    job["pdf_paths"] = [job["json_paths"][0].parent / f"{s}.pdf" if s in DEPTHS else None for s in QC]
    rr.render_reports(**job)
    return job


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) are not installed")
@pytest.mark.parametrize(("sample", "shown"), [("S1", "2.3\u00d7"), ("S3", "2.4\u00d7")])
def test_mean_depth_is_rounded_once_in_json_page_and_pdf(shallow, sample, shown):
    i = list(QC).index(sample)
    assert json.loads(shallow["json_paths"][i].read_text())["qc"]["metrics"]["mean_depth"] == DEPTHS[sample]
    page = shallow["html_paths"][i].read_text(encoding="utf-8")
    assert f"<td>Mean sequencing depth (reads per base)</td><td>{shown}</td>" in page
    assert f"Mean sequencing depth (reads per base) {shown}" in " ".join(pdf_text(shallow["pdf_paths"][i]).split())
    assert "2.35" not in full_page_text(shallow, sample)  # no second rounding shown anywhere


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) are not installed")
def test_pdf_table_headers_keep_every_word_whole(shallow):
    report = json.loads(shallow["json_paths"][0].read_text())
    headers = [h for section in document(report) for b in section.blocks if isinstance(b, Table) for h in b.header]
    # the carrier table of every tested variant: "Reference" in a 2.6-of-12 column of small type
    assert "Reference position, VCF genotype" in headers
    words = set(pdf_text(shallow["pdf_paths"][0]).split())
    assert "Reference" in words and "Referenc" not in words
    missing = {w for h in headers for w in h.split() if w not in words}
    assert not missing


def test_a_panel_qc_with_no_position_never_says_every_position_has_a_genotype():
    from reports.content import Para, _panel_qc

    def words(block):
        return "".join(str(part) for part in block.text)

    report = {"sections": {"panel_qc": {"status": "reported"}},
              "panel_qc": {"panels": [{"panel": "carrier", "n_positions": 0, "n_called": 0}], "sites": None,
                           "min_depth": None, "no_calls": []}}  # fmt: skip
    text = " ".join(words(b) for b in _panel_qc(report) if isinstance(b, Para))
    assert "No panel position was genotyped" in text and "Every panel position has a genotype" not in text
    report["panel_qc"]["panels"][0].update(n_positions=3, n_called=3)
    text = " ".join(words(b) for b in _panel_qc(report) if isinstance(b, Para))
    assert "Every panel position has a genotype" in text
