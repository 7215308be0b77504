"""The report as an A4 PDF, laid out here from the same blocks as the HTML page (reports/content.py) and drawn on
reportlab's canvas (reports/pdf_canvas.py: why reportlab, fonts, byte-stable output).

Why not a browser: the report job runs in the report conda env on any cluster node; Chromium has no conda package and
needs system libraries a compute node rarely has, and WeasyPrint would bring Pango.

Layout is a simple top-to-bottom flow, the same rules as the HTML page's CSS: text is measured with the embedded font's
glyph advances and wrapped at word boundaries (over-long tokens such as SHA-256 hashes are broken by character), table
columns are at least as wide as their longest word (only columns of codes, `mono`, break inside a word), tables split
between rows with their header repeated, and a figure with its caption or a heading with the first lines after it move
to the next page together. Every page has a footer with the sample ID, the research-use statement and "page i of n".
(reportlab's own flowables, platypus, break long words and size columns by other rules, so the flow is kept here.)
"""

from dataclasses import dataclass, field

from reports.content import ETHICS, VERDICT_STYLE, Badge, Bold, Bullets, Figure, Heading, Para, Table, Terms, document
from reports.html_page import png_size
from reports.pdf_canvas import PageCanvas, text_width

PAGE_W, PAGE_H = 8.27, 11.69  # A4, inches
LEFT, RIGHT, TOP, BOTTOM = 0.7, 0.7, 0.7, 0.85
WIDTH = PAGE_W - LEFT - RIGHT
TEXT_COLOUR = "#1A1A1A"
SIZES = {"body": 9.5, "small": 8.0, "table": 8.5, "table_small": 7.3, "h1": 16.0, "h2": 13.0, "h3": 10.5,
         "caption": 8.5, "footer": 7.5}  # fmt: skip
LEADING = 1.35  # line height / font size
CELL_PAD = 3.0  # points inside a table cell
MIN_TABLE_SIZE = 6.0  # points: the smallest type a table shrinks to so that its longest words fit
NOTICE_FILL = {"notice": ("#FFF4CC", "#9A5B00"), "notice fail": ("#FDE8E7", "#B42318")}
FIGURE_MAX_H = 5.6  # inches: a figure taller than this is scaled down


def pt(points):
    return points / 72.0


# ---------------------------------------------------------------- rich text wrapping


@dataclass
class Token:
    text: str
    bold: bool = False
    colour: str = TEXT_COLOUR
    space_before: bool = False


def tokens(rich_text):
    """Words of rich text with their style; a badge is one unbreakable coloured word."""
    out = []
    pending_space = False
    for segment in rich_text if isinstance(rich_text, list) else [rich_text]:
        if isinstance(segment, Badge):
            word, symbol, colour = VERDICT_STYLE[segment.verdict]
            out.append(Token(f"{symbol} {word}", True, colour, pending_space or bool(out)))
            pending_space = False
            continue
        text, bold = str(segment), isinstance(segment, Bold)
        words = text.split(" ")
        for i, word in enumerate(words):
            if i > 0:
                pending_space = True
            if word:
                out.append(Token(word, bold, TEXT_COLOUR, pending_space))
                pending_space = False
    return out


def _split_long(token, size, width):
    """A token wider than the line, broken into pieces that fit (hashes, long IDs); widths summed per character."""
    pieces, current, used = [], "", 0.0
    for char in token.text:
        w = text_width(char, size, token.bold)
        if current and used + w > width:
            pieces.append(current)
            current, used = "", 0.0
        current += char
        used += w
    pieces.append(current)
    return [Token(p, token.bold, token.colour, token.space_before and i == 0) for i, p in enumerate(pieces)]


def wrap(rich_text, size, width):
    """Lines of (x offset in points, text, bold, colour) runs fitting `width` points."""
    space = text_width(" ", size, False)
    lines, line, x = [], [], 0.0
    for token in tokens(rich_text):
        parts = [token] if text_width(token.text, size, token.bold) <= width else _split_long(token, size, width)
        for part in parts:
            w = text_width(part.text, size, part.bold)
            gap = space if part.space_before and line else 0.0
            if line and x + gap + w > width:
                lines.append(line)
                line, x, gap = [], 0.0, 0.0
            if line and line[-1][2] == part.bold and line[-1][3] == part.colour:
                offset, text, bold, colour = line[-1]
                line[-1] = (offset, text + (" " if gap else "") + part.text, bold, colour)
            else:
                line.append((x + gap, part.text, part.bold, part.colour))
            x += gap + w
    if line or not lines:
        lines.append(line)
    return lines


# ---------------------------------------------------------------- pages


@dataclass
class Page:
    ops: list = field(default_factory=list)


class Layout:
    """A cursor flowing blocks down A4 pages; positions in inches from the page's top-left corner."""

    def __init__(self):
        self.pages = [Page()]
        self.y = TOP

    @property
    def room(self):
        return PAGE_H - BOTTOM - self.y

    def new_page(self):
        self.pages.append(Page())
        self.y = TOP

    def ensure(self, height):
        if height > self.room and self.y > TOP + 1e-9:
            self.new_page()

    def op(self, *args):
        self.pages[-1].ops.append(args)

    def lines(self, lines, size, x=LEFT):
        """Draw wrapped lines from the cursor (page breaks between lines)."""
        height = pt(size * LEADING)
        for line in lines:
            self.ensure(height)
            for offset, text, bold, colour in line:
                self.op("text", x + pt(offset), self.y + pt(size * 1.02), text, size, bold, colour)
            self.y += height

    def space(self, points):
        self.y = min(self.y + pt(points), PAGE_H - BOTTOM)


def para(layout, block):
    size = SIZES["small"] if block.kind == "small" else SIZES["body"]
    if block.kind in NOTICE_FILL:
        fill, edge = NOTICE_FILL[block.kind]
        lines = wrap(block.text, size, (WIDTH - pt(18)) * 72)
        height = len(lines) * pt(size * LEADING) + pt(10)
        layout.ensure(height)
        layout.op("rect", LEFT, layout.y, WIDTH, height, fill, None, 0)
        layout.op("rect", LEFT, layout.y, pt(4), height, edge, None, 0)
        layout.space(5)
        layout.lines(lines, size, x=LEFT + pt(12))
        layout.space(11)
        return
    layout.lines(wrap(block.text, size, WIDTH * 72), size)
    layout.space(5)


def heading(layout, text, level):
    size = SIZES[level]
    lines = wrap([Bold(text)], size, WIDTH * 72)
    layout.ensure(len(lines) * pt(size * LEADING) + pt(110))  # keep a heading with what follows (a table row)
    layout.space(8 if level == "h2" else 4)
    layout.lines(lines, size)
    if level == "h2":
        layout.op("line", LEFT, layout.y + pt(1), LEFT + WIDTH, layout.y + pt(1), "#BBBBBB", 1.2)
        layout.space(6)
    else:
        layout.space(2)


def bullets(layout, block):
    size = SIZES["body"]
    for item in block.items:
        lines = wrap(item, size, (WIDTH - pt(14)) * 72)
        layout.ensure(pt(size * LEADING))
        layout.op("text", LEFT + pt(3), layout.y + pt(size * 1.02), "\u2022", size, False, TEXT_COLOUR)
        layout.lines(lines, size, x=LEFT + pt(14))
        layout.space(2)
    layout.space(4)


def terms(layout, block):
    size = SIZES["body"]
    for term, text in block.pairs:
        layout.lines(wrap([Bold(term)], size, WIDTH * 72), size)
        layout.lines(wrap(text, size, (WIDTH - pt(20)) * 72), size, x=LEFT + pt(20))
        layout.space(2)
    layout.space(4)


def _rich_cell(cell, bold=False):
    """A table cell as rich text; a header cell is bold."""
    if bold:
        return [Bold(str(cell))]
    return cell if isinstance(cell, list) else [cell]


def longest_word(rich_text, size):
    """Width in points of the widest unbreakable word (token) of rich text at `size`; 0 for no text."""
    return max((text_width(t.text, size, t.bold) for t in tokens(rich_text)), default=0.0)


def min_widths(block, size):
    """Per column, the inches its longest word needs at `size` (header and cells, with the cell padding). A column
    of codes (block.mono: hashes, IDs) may break anywhere, so only its header counts."""
    header = [_rich_cell(h, bold=True) for h in block.header]
    rows = [[_rich_cell(c) for c in row] for row in block.rows]
    needs = []
    for i, head in enumerate(header):
        cells = [head] + ([] if i in block.mono else [row[i] for row in rows])
        widest = max(longest_word(cell, size) for cell in cells)
        needs.append(pt(widest + 2 * CELL_PAD) + 1e-6 if widest else 0.0)
    return needs


def fit_widths(weights, minimum, total):
    """Widths (inches) summing to `total` in proportion to `weights`, none below its `minimum`: a column whose share
    is too narrow gets its minimum and the other columns share what is left. None when the minimums do not fit."""
    if sum(minimum) > total:
        return None
    fixed = set()
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        if not free:  # every column at its minimum: the rest goes by weight
            extra = total - sum(minimum)
            return [m + extra * w / sum(weights) for m, w in zip(minimum, weights, strict=True)]
        left = total - sum(minimum[i] for i in fixed)
        weight = sum(weights[i] for i in free)
        widths = [minimum[i] if i in fixed else left * weights[i] / weight for i in range(len(weights))]
        short = {i for i in free if widths[i] < minimum[i]}
        if not short:
            return widths
        fixed |= short


def table_layout(block):
    """(column widths in inches, type size) of a table: the block's relative widths, widened where a column's
    longest word needs it so that no ordinary word is broken; when the longest words cannot stand side by side the
    type shrinks, down to MIN_TABLE_SIZE (below that, over-long words are broken as in running text)."""
    size = SIZES["table_small"] if block.small else SIZES["table"]
    weights = block.widths or [1.0] * len(block.header)
    while True:
        widths = fit_widths(weights, min_widths(block, size), WIDTH)
        if widths or size <= MIN_TABLE_SIZE:
            return widths or [WIDTH * w / sum(weights) for w in weights], size
        size = max(size - 0.5, MIN_TABLE_SIZE)


def _row_cells(row, widths, size, bold=False):
    cells = [wrap(_rich_cell(c, bold), size, (w * 72) - 2 * CELL_PAD) for c, w in zip(row, widths, strict=True)]
    height = max(len(c) for c in cells) * pt(size * LEADING) + pt(2 * CELL_PAD)
    return cells, height


def _draw_row(layout, cells, widths, height, size, fill, numeric_from):
    x = LEFT
    for i, (lines, width) in enumerate(zip(cells, widths, strict=True)):
        layout.op("rect", x, layout.y, width, height, fill, "#BBBBBB", 0.5)
        y = layout.y + pt(CELL_PAD)
        for line in lines:
            right = numeric_from is not None and i >= numeric_from and line
            line_w = pt(line[-1][0] + text_width(line[-1][1], size, line[-1][2])) if right else 0.0
            start = x + width - pt(CELL_PAD) - line_w if right else x + pt(CELL_PAD)
            for offset, text, bold, colour in line:
                layout.op("text", start + pt(offset), y + pt(size * 1.02), text, size, bold, colour)
            y += pt(size * LEADING)
        x += width
    layout.y += height


def table(layout, block):
    widths, size = table_layout(block)
    show_header = any(block.header)
    header = _row_cells(block.header, widths, size, bold=True) if show_header else None
    first = True
    for k, row in enumerate(block.rows):
        cells, height = _row_cells(row, widths, size)
        need = height + (header[1] if header and first else 0)
        if need > layout.room or first:
            layout.ensure(need)
            if header:
                _draw_row(layout, header[0], widths, header[1], size, "#F0F0F0", None)
            first = False
        fill = "#FDE8E7" if block.highlight and block.highlight[k] else "white"
        _draw_row(layout, cells, widths, height, size, fill, block.numeric_from)
        if layout.room < pt(size * LEADING * 2) and k + 1 < len(block.rows):
            layout.new_page()
            first = True
    layout.space(8)


def figure(layout, block, figures):
    png = figures[block.key]
    w_px, h_px = png_size(png)
    width = min(WIDTH, w_px / 100)
    height = width * h_px / w_px
    if height > FIGURE_MAX_H:
        height, width = FIGURE_MAX_H, FIGURE_MAX_H * w_px / h_px
    caption = wrap([Bold(f"Figure {block.number}. "), *block.caption], SIZES["caption"], WIDTH * 72)
    layout.ensure(height + len(caption) * pt(SIZES["caption"] * LEADING) + pt(10))
    layout.op("image", LEFT + (WIDTH - width) / 2, layout.y, width, height, png)
    layout.y += height + pt(4)
    layout.lines(caption, SIZES["caption"])
    layout.space(8)


def place(layout, block, figures):
    if isinstance(block, Para):
        para(layout, block)
    elif isinstance(block, Heading):
        heading(layout, block.text, "h3")
    elif isinstance(block, Table):
        table(layout, block)
    elif isinstance(block, Figure):
        figure(layout, block, figures)
    elif isinstance(block, Bullets):
        bullets(layout, block)
    elif isinstance(block, Terms):
        terms(layout, block)
    else:
        raise TypeError(f"unknown report block {type(block).__name__}")


def layout_report(report, figures):
    """The pages (lists of drawing operations) of one report."""
    layout = Layout()
    sid = report["sample_id"]
    layout.lines(wrap([Bold(f"Genetic analysis report: sample {sid}")], SIZES["h1"], WIDTH * 72), SIZES["h1"])
    meta = (f"Variant caller: {report['caller']} \u00b7 Genome build: {report['build']} \u00b7 Report version "
            f"{report['report_version']}")  # fmt: skip
    layout.lines(wrap([meta], SIZES["small"], WIDTH * 72), SIZES["small"])
    layout.space(4)
    para(layout, Para([Bold("Research use only \u2013 not for diagnosis.")], "notice"))
    for section in document(report):
        heading(layout, section.title, "h2")
        for block in section.blocks:
            place(layout, block, figures)
    layout.op("line", LEFT, layout.y + pt(4), LEFT + WIDTH, layout.y + pt(4), "#BBBBBB", 1.2)
    layout.space(10)
    para(layout, Para([Bold(report["disclaimer"])]))
    for title, text in ETHICS:
        para(layout, Para([Bold(f"{title}. "), text]))
    return layout.pages


def _draw(canvas, ops):
    for kind, *args in ops:
        getattr(canvas, kind)(*args)


def _footer(canvas, sample_id, number, total):
    y = PAGE_H - BOTTOM + 0.3
    y_rule = y - 0.018 * PAGE_H
    canvas.line(LEFT, y_rule, PAGE_W - RIGHT, y_rule, "#BBBBBB", 0.8)
    left = f"Genetic analysis report: sample {sample_id} \u00b7 Research use only, not for diagnosis"
    canvas.text(LEFT, y, left, SIZES["footer"], False, "#444444")
    canvas.text(PAGE_W - RIGHT, y, f"Page {number} of {total}", SIZES["footer"], False, "#444444", align="right")


def pdf_bytes(report, figures):
    """The PDF of one report: A4 pages, the same sections as the HTML; identical bytes for identical input."""
    pages = layout_report(report, figures)
    canvas = PageCanvas(PAGE_W, PAGE_H, f"Genetic analysis report: sample {report['sample_id']}")
    for number, page in enumerate(pages, start=1):
        _draw(canvas, page.ops)
        _footer(canvas, report["sample_id"], number, len(pages))
        canvas.next_page()
    return canvas.finish()
