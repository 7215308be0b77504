"""Regenerate config/panels/pgx/guidance/guidance.json.gz from PharmCAT 2.12's CPIC and DPWG guideline files.

Usage (from the checkout; the default source is the project's shared test data beside it):
    .venv/bin/python tools/guidance_data.py [--source ../shared/testdata/cpic_guidance_pharmcat_2.12/guidelines]
                                            [--out config/panels/pgx/guidance/guidance.json.gz]

Reads every guidelines/*.json (PharmCAT's reporter/guidelines at 30f8cfb, data version 2024-03-25-16-13; layout in
that folder's README.md) and writes one compact gzipped JSON (sorted keys, gzip without name or time: the same input
gives the same bytes; tests/pgx/test_guidance_data.py checks that the shipped file is what this tool makes):

    {"data_version": "2024-03-25-16-13", "source": {...where from...},
     "guidelines": [{"id", "name", "source" (CPIC|DPWG), "url", "version", "genes" [symbols], "drugs" [names],
                     "citations": [{"pmid", "title", "year"}],
                     "recommendations": [{"id", "drug", "population" (null: not split by population),
                                          "classification" (null when none), "lookup" {GENE: text (lookup_value)},
                                          "text" (plain text, below), "implications" [str], "dosing_information",
                                          "alternate_drug", "other_guidance" (PharmGKB's flags)}]}]}

Guidelines are sorted by file name, recommendations by id then drug. The recommendation HTML becomes plain text
without dropping words: paragraphs, headings and list items each on a line of their own (list items start "- "),
table rows as lines with cells joined by " | ", links as "text (address)", entities decoded, runs of white space
inside a block made one space (as a browser shows them). Nothing else is changed.
"""

import argparse
import gzip
import html.parser
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "testdata" / "cpic_guidance_pharmcat_2.12" / "guidelines"
DEFAULT_OUT = REPO / "config" / "panels" / "pgx" / "guidance" / "guidance.json.gz"
SOURCE = {
    "repository": "https://github.com/PharmGKB/PharmCAT",
    "commit": "30f8cfb7b3d71f6b579212f8161689e5f7dc2e63",
    "release": "v2.12.0",
    "path": "src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines/",
}
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "div", "table", "ul", "ol", "thead", "tbody"}
CELL_TAGS = {"td", "th"}


class _PlainText(html.parser.HTMLParser):
    """Collects an HTML fragment's text as lines (one per block, list item or table row)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = []
        self.current = []
        self.cells = None  # the cells of the open table row
        self.href = None

    def _end_line(self):
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        self.current = []
        if text == "-":  # a list item whose text is in a block of its own (<li><p>...): the marker waits for it
            self.current = ["- "]
            return
        if self.cells is not None:
            if text:
                self.cells.append(text)
            return
        if text:
            self.lines.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in CELL_TAGS:
            self._end_line()
        elif tag == "tr":
            self._end_line()
            self.cells = []
        elif tag in BLOCK_TAGS:
            self._end_line()
            if tag == "li":
                self.current.append("- ")
        elif tag == "br":
            if self.cells is not None:
                self.current.append(" ")
            else:
                self._end_line()
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in CELL_TAGS:
            self._end_line()
        elif tag == "tr":
            self._end_line()
            row, self.cells = self.cells or [], None
            if row:
                self.lines.append(" | ".join(row))
        elif tag in BLOCK_TAGS:
            self._end_line()
        elif tag == "a" and self.href:
            self.current.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data):
        self.current.append(data)

    def text(self):
        self._end_line()
        return "\n".join(self.lines)


def plain_text(fragment):
    """The text of an HTML fragment as described in the module docstring ('' for None)."""
    parser = _PlainText()
    parser.feed(fragment or "")
    parser.close()
    return parser.text()


def lookup_value(value):
    """A lookup key value as text; DPWG's diplotype keys ({allele: count}) as "{'*1': 1.0, '*3': 1.0}", alleles
    sorted (the form scripts/pgx/guidance.py builds from a diplotype)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"'{allele}': {float(n)}" for allele, n in sorted(value.items())) + "}"
    return str(value)


def recommendation(row):
    chemicals = row.get("relatedChemicals") or []
    if len(chemicals) != 1:
        raise ValueError(f"recommendation {row.get('id')}: expected one related chemical, found {len(chemicals)}")
    return {
        "id": row["id"],
        "drug": chemicals[0]["name"],
        "population": row.get("population"),
        "classification": (row.get("classification") or {}).get("term"),
        "lookup": {gene: lookup_value(value) for gene, value in sorted((row.get("lookupKey") or {}).items())},
        "text": plain_text((row.get("text") or {}).get("html")),
        "implications": list(row.get("implications") or []),
        "dosing_information": bool(row.get("dosingInformation")),
        "alternate_drug": bool(row.get("alternateDrugAvailable")),
        "other_guidance": bool(row.get("otherPrescribingGuidance")),
    }


def by_id(rec):
    return rec["id"], rec["drug"]


def guideline(data):
    head = data["guideline"]
    return {
        "id": head["id"],
        "name": head["name"],
        "source": head["source"],
        "url": head["url"],
        "version": head.get("version"),
        "genes": sorted(g["symbol"] for g in head.get("relatedGenes") or []),
        "drugs": sorted(c["name"] for c in head.get("relatedChemicals") or []),
        "citations": [{key: c.get(key) for key in ("pmid", "title", "year")} for c in data.get("citations") or []],
        "recommendations": sorted(map(recommendation, data.get("recommendations") or []), key=by_id),
    }


def build(source_dir):
    """The shipped data as a dict, from the guideline files of `source_dir`."""
    files = sorted(Path(source_dir).glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no guideline files (*.json) in {source_dir}")
    versions, guidelines = set(), []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        versions.add(data.get("version"))
        guidelines.append(guideline(data))
    if len(versions) != 1:
        raise ValueError(f"guideline files of different data versions: {sorted(map(str, versions))}")
    return {"data_version": versions.pop(), "source": SOURCE, "guidelines": guidelines}


def gzip_bytes(data):
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of PharmCAT's guideline JSONs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the gzipped JSON to write")
    args = parser.parse_args(argv)
    data = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_bytes(gzip_bytes(data))
    tmp.replace(args.out)
    n = sum(len(g["recommendations"]) for g in data["guidelines"])
    print(f"{args.out}: {len(data['guidelines'])} guidelines, {n} recommendations, data {data['data_version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
