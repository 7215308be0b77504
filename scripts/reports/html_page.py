"""The self-contained HTML page of a report: inline CSS, figures as data URIs, every inserted value escaped.

Renders the blocks of reports/content.py; a pure function of the report JSON and the figure PNGs
(scripts/deliver/deliver.py rebuilds pages with it and compares them byte for byte).
"""

import base64
import html

from reports import content
from reports.content import Badge, Bold, Bullets, Figure, Heading, Link, Para, Table, Terms

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       font-size: 16px; line-height: 1.5; color: #1a1a1a; max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #ccc; padding-bottom: 4px; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
.meta { color: #444; margin-top: 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: bold; }
.notice { background: #FFF4CC; border-left: 5px solid #9A5B00; padding: 8px 12px; margin: 8px 0; }
.notice.fail { background: #FDE8E7; border-left-color: #B42318; }
.small { font-size: 0.9em; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; }
table.small { font-size: 0.88em; }
th, td { border: 1px solid #bbb; padding: 6px 10px; text-align: left; vertical-align: top; }
th, td:not(.mono) { overflow-wrap: normal; word-break: normal; hyphens: manual; }
td.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.found td { background: #FDE8E7; }
figure { margin: 20px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.95em; }
dt { font-weight: bold; }
footer { margin-top: 2.5em; border-top: 2px solid #ccc; padding-top: 10px; font-size: 0.95em; }
@media print { body { max-width: none; } figure, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } }
"""


def _e(value):
    """Every value that goes into the page passes here: sample IDs and reasons come from users."""
    return html.escape(str(value), quote=True)


def verdict_badge(verdict):
    word, symbol, colour = content.VERDICT_STYLE[verdict]
    return f'<span class="badge" style="background:{colour}">{_e(symbol)} {_e(word)}</span>'


def rich_html(text):
    """Rich text (str, Bold, Badge segments, or a plain value) as escaped HTML."""
    parts = []
    for segment in text if isinstance(text, list) else [text]:
        if isinstance(segment, Badge):
            parts.append(verdict_badge(segment.verdict))
        elif isinstance(segment, Link):
            parts.append(f'<a href="{_e(segment)}">{_e(segment)}</a>')
        elif isinstance(segment, Bold):
            parts.append(f"<strong>{_e(segment)}</strong>")
        else:
            parts.append(_e(segment))
    return "".join(parts)


def png_size(png):
    """(width, height) from a PNG's IHDR chunk (bytes 16-24, big-endian)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _cell_class(column, numeric_from, mono):
    if column in mono:
        return ' class="mono"'
    return ' class="num"' if column >= numeric_from else ""


def table_html(block):
    head = "".join(f"<th>{_e(h)}</th>" for h in block.header) if any(block.header) else ""
    start = len(block.header) if block.numeric_from is None else block.numeric_from
    rows = []
    for k, row in enumerate(block.rows):
        cells = "".join(f"<td{_cell_class(i, start, block.mono)}>{rich_html(cell)}</td>" for i, cell in enumerate(row))
        found = block.highlight and block.highlight[k]
        rows.append(f'<tr class="found">{cells}</tr>' if found else f"<tr>{cells}</tr>")
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    cls = ' class="small"' if block.small else ""
    return f"<table{cls}>{thead}<tbody>{''.join(rows)}</tbody></table>"


def figure_html(block, figures):
    png = figures[block.key]
    width, height = png_size(png)
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" width="{width}" height="{height}" alt="{_e(block.alt)}">'
        f"<figcaption>Figure {block.number}. {rich_html(block.caption)}</figcaption></figure>"
    )


def block_html(block, figures):
    if isinstance(block, Para):
        kind = f' class="{block.kind}"' if block.kind else ""
        return f"<p{kind}>{rich_html(block.text)}</p>"
    if isinstance(block, Heading):
        return f"<h3>{_e(block.text)}</h3>"
    if isinstance(block, Table):
        return table_html(block)
    if isinstance(block, Figure):
        return figure_html(block, figures)
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{rich_html(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Terms):
        return "<dl>" + "".join(f"<dt>{_e(t)}</dt><dd>{rich_html(d)}</dd>" for t, d in block.pairs) + "</dl>"
    raise TypeError(f"unknown report block {type(block).__name__}")


def footer_html(report):
    ethics = "".join(f"<p><strong>{_e(title)}.</strong> {_e(text)}</p>" for title, text in content.ETHICS)
    return f"<footer><p><strong>{_e(report['disclaimer'])}</strong></p>{ethics}</footer>"


def render_html(report, figures):
    """The page of one report; `figures` {key: PNG bytes} holds at least reports.content.figure_keys(report)."""
    sid = _e(report["sample_id"])
    body = "".join(
        f'<section id="{section.key}"><h2>{_e(section.title)}</h2>'
        + "".join(block_html(b, figures) for b in section.blocks)
        + "</section>"
        for section in content.document(report)
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>Genetic analysis report: {sid}</title><style>{CSS}</style></head><body>'
        f"<header><h1>Genetic analysis report: sample {sid}</h1>"
        f'<p class="meta">Variant caller: {_e(report["caller"])} &middot; Genome build: {_e(report["build"])} '
        f"&middot; Report version {_e(report['report_version'])}</p>"
        f'<p class="notice"><strong>Research use only &ndash; not for diagnosis.</strong></p></header>'
        f"<main>{body}</main>{footer_html(report)}"
        "</body></html>\n"
    )
