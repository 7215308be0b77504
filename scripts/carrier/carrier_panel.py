"""The carrier / actionable-findings panel: load and check it, and match one sample's genotypes against it.

Panel file (config/panels/carrier/carrier_panel.tsv; SOURCE.md there says where every row comes from): tab-separated,
a header line with exactly PANEL_COLUMNS, one GRCh38 variant per line:
    gene kind strand chrom pos ref alt rsid clinvar_variation_id hgvs condition clinical_significance review_status
    inheritance source_url spdi
- kind is what a finding means, and so the report section it goes to (KINDS): carrier (carrier status for a
  recessive condition: inheritance AR or XLR), risk_factor (a variant that raises a risk, e.g. factor V Leiden) or
  apoe (the two sites that define the APOE genotype, rs429358 and rs7412; reported only with consent).
- strand is the gene's strand on GRCh38 ('+' or '-'): the report writes the genotype on the gene's coding strand
  next to the HGVS name. For a single-base change the HGVS c. name and the VCF alleles must agree with it (a '-'
  gene's c.20A>T is the VCF's T>A).
- chrom is 'chr'-prefixed (chr1..chr22, chrX, chrY, chrM/chrMT); pos is 1-based; REF/ALT are VCF alleles (ACGT).
- rsid is rsNNN or '.'; clinvar_variation_id is the ClinVar Variation ID or 'NA' (record not found, see SOURCE.md).
- spdi is the ClinVar record's canonical SPDI (RefSeq accession : 0-based start : deleted : inserted). It must
  describe the same change as chrom/pos/ref/alt: both are applied to the reference bases the two spell out between
  them (their spans must touch) and must give the same sequence. This accepts a left-aligned VCF indel against
  NCBI's fully justified SPDI (F508del: chr7:117559590 ATCT>A vs NC_000007.14:117559590:TCTT:T) without a
  reference FASTA, and refuses a position or allele typo.
Any problem raises InputError naming the file, the line, the column and the problem.

Matching (find_carriers): for one sample, each panel row is
- "found": the sample's genotype carries the panel ALT (genotype text in panel allele numbers: 0 = panel REF,
  1 = panel ALT, 2 = another ALT of the record, '.' = missing; e.g. "0/1", "1/1", "1/.");
- "not_found": called with no panel ALT and FORMAT/DP >= min_depth (a hom-ref call without DP, or below min_depth,
  is not evidence of absence);
- "no_call": the position is absent from the VCF, the genotype is missing ('./.', a half call without the ALT),
  or the depth is below min_depth. A missing record is never read as reference;
- "not_covered": the reference or target cannot say anything there (contig absent, N in the reference, outside
  `regions`: scripts/sites/panel_to_sites.py); any genotype given is ignored.
APOE genotype (e2/e3/e4) from rs429358 and rs7412 when both are called (see apoe_genotype for the haplotype table
and its sources).

Size: over 400 lines because the panel format, its checks against ClinVar's SPDI and the reference, and the per-
variant classification it defines belong together.
"""

import dataclasses
import re
from pathlib import Path

from common.contig_names import contig_key
from common.input_error import InputError

PANEL_COLUMNS = [
    "gene",
    "kind",
    "strand",
    "chrom",
    "pos",
    "ref",
    "alt",
    "rsid",
    "clinvar_variation_id",
    "hgvs",
    "condition",
    "clinical_significance",
    "review_status",
    "inheritance",
    "source_url",
    "spdi",
]
CHROMOSOMES = [f"chr{n}" for n in range(1, 23)] + ["chrX", "chrY", "chrM", "chrMT"]
# GRCh38 (GCF_000001405.26) RefSeq accessions of the primary chromosomes, so an SPDI on another build is refused.
GRCH38_ACCESSIONS = {
    **{
        f"NC_{n:06d}.{v}": f"chr{n}"
        for n, v in zip(
            range(1, 23), [11, 12, 12, 12, 10, 12, 14, 11, 12, 11, 10, 12, 11, 9, 10, 10, 11, 10, 10, 11, 9, 11]
        )
    },
    "NC_000023.11": "chrX",
    "NC_000024.10": "chrY",
    "NC_012920.1": "chrM",
}
BASES = re.compile(r"^[ACGT]+$")
SPDI = re.compile(r"^(?P<acc>N[CTW]_\d+\.\d+):(?P<start>\d+):(?P<deleted>[ACGT]*):(?P<inserted>[ACGT]*)$")
RSID = re.compile(r"^(rs\d+|\.)$")
VARIATION_ID = re.compile(r"^(\d+|NA)$")
KINDS = ("carrier", "risk_factor", "apoe")
# Which consent of the sample sheet a kind needs (inputs/consent.py); carrier status is what the batch is run for.
KIND_CONSENT = {"carrier": None, "risk_factor": "secondary", "apoe": "apoe"}
STRANDS = ("+", "-")
CARRIER_INHERITANCE = ("AR", "XLR")
HGVS_SNV = re.compile(r":c\.[-*+_0-9]*([ACGT])>([ACGT])\b")  # c.1601G>A, c.93-21G>A, c.*97G>A, c.92+6T>C
HGVS_CHANGE = re.compile(r":[cgnm]\.\S*?(delins|del|dup|ins|inv)")
COMPLEMENT = str.maketrans("ACGT", "TGCA")

STATUS_FOUND, STATUS_NOT_FOUND, STATUS_NO_CALL, STATUS_NOT_COVERED = "found", "not_found", "no_call", "not_covered"
STATUS_NOT_REQUESTED = "not_requested"  # the sample's consent leaves this kind of finding out: never looked at
NOT_COVERED_TEXT = "not covered by this reference/target"
APOE_RS429358, APOE_RS7412 = "rs429358", "rs7412"


@dataclasses.dataclass(frozen=True)
class PanelVariant:
    """One panel row; pos is 1-based, alleles as VCF alleles; line is the row's line number in the file."""

    gene: str
    kind: str
    strand: str
    chrom: str
    pos: int
    ref: str
    alt: str
    rsid: str
    clinvar_variation_id: str
    hgvs: str
    condition: str
    clinical_significance: str
    review_status: str
    inheritance: str
    source_url: str
    spdi: str
    line: int = 0

    @property
    def key(self):
        return (contig_key(self.chrom), self.pos, self.ref, self.alt)


@dataclasses.dataclass(frozen=True)
class SiteCall:
    """One sample's call at one VCF record: GT allele indexes (None = missing), phasing, DP, the record's alleles."""

    gt: tuple
    phased: bool
    depth: int | None
    alleles: tuple  # (REF, ALT1, ALT2, ...) of the record, upper case
    pos: int = 0  # the record's POS


# ---------------------------------------------------------------- SPDI against VCF alleles


def parse_spdi(text):
    """(accession, 0-based start, deleted, inserted) of a canonical SPDI, or None when it is not one."""
    match = SPDI.match(text)
    if not match:
        return None
    return match["acc"], int(match["start"]), match["deleted"], match["inserted"]


def spdi_problem(chrom, pos, ref, alt, spdi):
    """Why `spdi` does not describe the VCF allele chrom:pos REF>ALT (GRCh38), or None when it does.

    Both are edits of a stretch of reference: the VCF replaces [pos-1, pos-1+len(REF)) by ALT, the SPDI replaces
    [start, start+len(deleted)) by inserted (0-based, half-open). On the union of the two spans, whose bases the two
    spell out between them, the edits must agree on the reference and give the same resulting sequence.
    """
    parsed = parse_spdi(spdi)
    if parsed is None:
        return f"{spdi!r} is not a canonical SPDI (ACCESSION:0-based start:deleted:inserted, bases ACGT)"
    accession, start, deleted, inserted = parsed
    expected = GRCH38_ACCESSIONS.get(accession)
    if expected is None:
        return f"{accession} is not a GRCh38 chromosome accession"
    if contig_key(expected) != contig_key(chrom):
        return f"{accession} is {expected}, the row is on {chrom}"
    vcf_start, vcf_end = pos - 1, pos - 1 + len(ref)
    spdi_start, spdi_end = start, start + len(deleted)
    low, high = min(vcf_start, spdi_start), max(vcf_end, spdi_end)
    if max(vcf_start, spdi_start) > min(vcf_end, spdi_end):
        return f"SPDI span {spdi_start}-{spdi_end} (0-based) does not touch the VCF REF span {vcf_start}-{vcf_end}"
    known = {}
    for offset, base in enumerate(ref):
        known[vcf_start + offset] = base
    for offset, base in enumerate(deleted):
        at = spdi_start + offset
        if known.setdefault(at, base) != base:
            return f"reference base at 0-based {at}: REF says {known[at]}, SPDI {base}"
    if len(known) != high - low:
        return "the VCF and SPDI spans leave a gap"
    reference = "".join(known[i] for i in range(low, high))
    via_vcf = reference[: vcf_start - low] + alt + reference[vcf_end - low :]
    via_spdi = reference[: spdi_start - low] + inserted + reference[spdi_end - low :]
    if via_vcf != via_spdi:
        return f"{chrom}:{pos} {ref}>{alt} gives {via_vcf}, the SPDI gives {via_spdi} (over 0-based {low}-{high})"
    return None


# ---------------------------------------------------------------- loading


def strand_problem(row):
    """Why the row's strand disagrees with its HGVS c. name of a single-base change, or None (other rows: not
    checkable from the name, the strand is taken as given and SOURCE.md cites it)."""
    match = HGVS_SNV.search(row["hgvs"])
    if not match or len(row["ref"]) != 1 or len(row["alt"]) != 1:
        return None
    genomic = row["ref"] + row["alt"]
    coding = genomic if row["strand"] == "+" else genomic.translate(COMPLEMENT)
    if coding != match[1] + match[2]:
        return (f"strand {row['strand']} writes the VCF change {row['ref']}>{row['alt']} as {coding[0]}>{coding[1]} "
                f"on the gene's coding strand, the HGVS name says {match[1]}>{match[2]}")  # fmt: skip
    return None


def kind_problem(row):
    """Why the row's kind does not fit it, or None: a carrier row needs a recessive inheritance, an apoe row is one
    of the two APOE genotype sites."""
    if row["kind"] == "carrier" and row["inheritance"].split(",")[0].strip() not in CARRIER_INHERITANCE:
        return f"kind carrier needs inheritance {' or '.join(CARRIER_INHERITANCE)}, the row says {row['inheritance']!r}"
    if row["kind"] == "apoe" and row["rsid"] not in (APOE_RS429358, APOE_RS7412):
        return f"kind apoe is for {APOE_RS429358} and {APOE_RS7412} only, the row is {row['rsid']}"
    return None


def _cell_problem(column, value):
    """Why one cell is not valid, or None."""
    if column == "chrom":
        return None if value in CHROMOSOMES else f"{value!r} is not one of chr1..chr22, chrX, chrY, chrM/chrMT"
    if column == "pos":
        return None if value.isdigit() and int(value) > 0 else f"{value!r} is not a positive integer"
    if column in ("ref", "alt"):
        return None if BASES.match(value) else f"{value!r} is not a sequence of A, C, G, T"
    if column == "rsid":
        return None if RSID.match(value) else f"{value!r} is not rsNNN or '.'"
    if column == "clinvar_variation_id":
        return None if VARIATION_ID.match(value) else f"{value!r} is not a ClinVar Variation ID (digits) or 'NA'"
    if column == "kind":
        return None if value in KINDS else f"{value!r} is not one of {', '.join(KINDS)}"
    if column == "strand":
        return None if value in STRANDS else f"{value!r} is not + or -"
    if column == "source_url":
        return None if value.startswith(("https://", "http://")) else f"{value!r} is not an http(s) URL"
    return None if value.strip() else "is empty"


def _where(name, line, column):
    return f"{name}:{line}:{PANEL_COLUMNS.index(column) + 1} ({column})"


def parse_panel_line(name, line_number, line):
    """One data line as a PanelVariant; InputError naming file:line:column (column name) and the problem."""
    cells = line.rstrip("\n").split("\t")
    if len(cells) != len(PANEL_COLUMNS):
        raise InputError(f"{name}:{line_number}: {len(cells)} tab-separated columns, expected {len(PANEL_COLUMNS)}")
    row = dict(zip(PANEL_COLUMNS, cells))
    for column in PANEL_COLUMNS:
        problem = _cell_problem(column, row[column])
        if problem:
            raise InputError(f"{_where(name, line_number, column)}: {problem}")
    if row["ref"] == row["alt"]:
        raise InputError(f"{_where(name, line_number, 'alt')}: ALT {row['alt']} equals REF")
    problem = spdi_problem(row["chrom"], int(row["pos"]), row["ref"], row["alt"], row["spdi"])
    if problem:
        raise InputError(f"{_where(name, line_number, 'spdi')}: {row['spdi']} disagrees with the row: {problem}")
    problem = strand_problem(row)
    if problem:
        raise InputError(f"{_where(name, line_number, 'strand')}: {problem}")
    problem = kind_problem(row)
    if problem:
        raise InputError(f"{_where(name, line_number, 'kind')}: {problem}")
    return PanelVariant(**{**row, "pos": int(row["pos"])}, line=line_number)


def load_panel(path):
    """The panel's rows ([PanelVariant], file order), checked; InputError on the first bad line."""
    name = Path(path).name
    with open(path) as fh:
        lines = fh.readlines()
    if not lines or lines[0].rstrip("\n").split("\t") != PANEL_COLUMNS:
        raise InputError(f"{name}:1: the header must be the tab-separated columns {' '.join(PANEL_COLUMNS)}")
    variants, seen = [], {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        variant = parse_panel_line(name, number, line)
        if variant.key in seen:
            raise InputError(
                f"{_where(name, number, 'pos')}: {variant.chrom}:{variant.pos} {variant.ref}>{variant.alt} "
                f"repeats line {seen[variant.key]}"
            )
        seen[variant.key] = number
        variants.append(variant)
    if not variants:
        raise InputError(f"{name}: the panel has no variants")
    return variants


# ---------------------------------------------------------------- reading genotypes


def _trimmed(pos, ref, alt):
    """(pos, ref, alt) with shared trailing, then leading, bases removed (at least one base kept in each allele)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def allele_keys(chrom, pos, ref, alt):
    """The keys an allele is looked up under: as written and trimmed (a split record may carry extra bases)."""
    chrom = contig_key(chrom)
    return {(chrom, pos, ref, alt), (chrom, *_trimmed(pos, ref, alt))}


def read_site_calls(vcf_path, samples=None):
    """Genotypes of a VCF/BCF, per sample: (sample ids, {sample: {(chrom, pos, REF, ALT): SiteCall}}).

    Every (record, ALT) pair is a key (the chrom as its contig key, so 'chr1' and '1' meet: scripts/common/
    contig_names.py). `samples` restricts and orders
    the samples (ids absent from the VCF are left out). Reads the whole file: a sites VCF is small.
    """
    import pysam  # imported here so the panel can be loaded without pysam

    try:
        vcf = pysam.VariantFile(str(vcf_path))
    except (OSError, ValueError) as error:
        raise InputError(f"{vcf_path}: cannot read as VCF/BCF ({error})") from None
    with vcf:
        vcf_samples = list(vcf.header.samples)
        wanted = [s for s in (samples if samples is not None else vcf_samples) if s in set(vcf_samples)]
        calls = {s: {} for s in wanted}
        for record in vcf:
            alleles = tuple(a.upper() for a in record.alleles)
            has_dp = "DP" in record.format
            for sample in wanted:
                data = record.samples[sample]
                gt = tuple(data.get("GT") or (None,))
                depth = data.get("DP") if has_dp else None
                call = SiteCall(gt=gt, phased=bool(data.phased), depth=depth, alleles=alleles, pos=record.pos)
                for alt in alleles[1:]:
                    for key in allele_keys(record.chrom, record.pos, alleles[0], alt):
                        calls[sample].setdefault(key, call)
    return wanted, calls


# ---------------------------------------------------------------- matching


def _panel_allele_numbers(variant, call):
    """Per GT allele: 0 panel REF, 1 panel ALT, 2 another allele, None missing."""
    wanted = allele_keys(variant.chrom, variant.pos, variant.ref, variant.alt)
    numbers = []
    for index in call.gt:
        if index is None:
            numbers.append(None)
            continue
        allele = call.alleles[index] if index < len(call.alleles) else None
        if index == 0:
            numbers.append(0)
        elif allele is not None and wanted & allele_keys(variant.chrom, call.pos, call.alleles[0], allele):
            numbers.append(1)
        else:
            numbers.append(2)
    return numbers


def classify_call(variant, call, min_depth):
    """(status, genotype text, reason) of one panel row for one sample's SiteCall (None: no record)."""
    if call is None:
        return STATUS_NO_CALL, None, "position not in the genotype file"
    numbers = _panel_allele_numbers(variant, call)
    text = ("|" if call.phased else "/").join("." if n is None else str(n) for n in numbers)
    if call.depth is not None and call.depth < min_depth:
        return STATUS_NO_CALL, text, f"depth {call.depth} below {min_depth}"
    if 1 in numbers:
        return STATUS_FOUND, text, None
    if None in numbers:
        return STATUS_NO_CALL, text, "genotype missing"
    if call.depth is None and min_depth > 0:
        return STATUS_NO_CALL, text, "no FORMAT/DP to show the position was covered"
    return STATUS_NOT_FOUND, text, None


def zygosity(genotype_text):
    """'heterozygous', 'homozygous', 'hemizygous' (one allele) for a found genotype text, else None."""
    if not genotype_text:
        return None
    parts = re.split(r"[/|]", genotype_text)
    ones = parts.count("1")
    if ones == 0:
        return None
    if len(parts) == 1:
        return "hemizygous"
    return "homozygous" if ones == len(parts) else "heterozygous"


def coding_alleles(variant):
    """(reference, variant) allele names on the gene's coding strand, as a reader matches them to the HGVS name:
    bases for a single-base change (HBB c.20A>T on the '-' strand: 'A', 'T'; the VCF has T>A), else 'ref' and the
    change's HGVS word ('del' for CFTR c.1521_1523del), because an indel's VCF bases (ATCT>A) do not spell it."""
    if len(variant.ref) == 1 and len(variant.alt) == 1:
        pair = variant.ref + variant.alt
        return tuple(pair if variant.strand == "+" else pair.translate(COMPLEMENT))
    match = HGVS_CHANGE.search(variant.hgvs)
    return "ref", match[1] if match else "var"


def genotype_alleles(genotype_text, names):
    """A genotype in panel allele numbers ('0/1') written with allele names (names[0] REF, names[1] ALT);
    2 = another allele of the record ('other'), '.' missing ('?')."""
    if not genotype_text:
        return None
    words = {"0": names[0], "1": names[1], "2": "other", ".": "?"}
    sep = "|" if "|" in genotype_text else "/"
    return sep.join(words.get(part, part) for part in genotype_text.split(sep))


def variant_finding(variant, status, genotype, depth, reason):
    """The JSON-ready finding of one panel row. genotype: panel allele numbers; genomic_genotype: the VCF's
    plus-strand alleles; coding_genotype: the gene's coding-strand alleles (coding_alleles)."""
    return {
        "kind": variant.kind,
        "gene": variant.gene,
        "strand": variant.strand,
        "hgvs": variant.hgvs,
        "rsid": variant.rsid,
        "clinvar_variation_id": variant.clinvar_variation_id,
        "chrom": variant.chrom,
        "pos": variant.pos,
        "ref": variant.ref,
        "alt": variant.alt,
        "condition": variant.condition,
        "clinical_significance": variant.clinical_significance,
        "review_status": variant.review_status,
        "inheritance": variant.inheritance,
        "source_url": variant.source_url,
        "status": status,
        "genotype": genotype,
        "genomic_genotype": genotype_alleles(genotype, (variant.ref, variant.alt)),
        "coding_genotype": genotype_alleles(genotype, coding_alleles(variant)),
        "zygosity": zygosity(genotype) if status == STATUS_FOUND else None,
        "interpretation": None,
        "depth": depth,
        "reason": reason,
    }


def lookup_call(variant, genotypes):
    """The sample's SiteCall for a panel row (as written, else trimmed), or None."""
    for key in allele_keys(variant.chrom, variant.pos, variant.ref, variant.alt):
        if key in genotypes:
            return genotypes[key]
    return None


# APOE isoform haplotypes on the GRCh38 plus strand, (rs429358 allele, rs7412 allele) -> isoform. SNPedia Rs429358
# ("If the allele is (C) and the same chromosome also harbors the rs7412(C) allele, the combination is known as an
# APOE-e4 allele"; the common rs429358 allele is T) and Rs7412 ("the rs7412(T) allele, Arg176Cys, generally
# indicates ... Apoe2"); the full table e2 = T+T, e3 = T+C, e4 = C+C as on bradleymonk.com/wiki APOE (GRCh38
# 19:44908684 T>C, 19:44908822 C>T, after dbSNP). C+T ("e1") is the rare fourth combination.
APOE_HAPLOTYPES = {("T", "T"): "e2", ("T", "C"): "e3", ("C", "C"): "e4", ("C", "T"): "e1"}
APOE_ORDER = {"e1": 1, "e2": 2, "e3": 3, "e4": 4}


def _apoe_pair(first, second):
    return "/".join(sorted((first, second), key=APOE_ORDER.get))


def apoe_genotype(rs429358_alleles, rs7412_alleles, phased=False):
    """APOE genotype ('e3/e4') from the two sites' allele pairs (plus-strand bases, e.g. ('T', 'C')), and a note.

    Phased (same phase set): haplotype by haplotype. Unphased: by counts of rs429358 C and rs7412 T; one of each is
    read as e2/e4 (the alternative e1/e3 needs the rare e1 haplotype), said in the note.
    """
    if phased:
        haplotypes = [APOE_HAPLOTYPES[(a, b)] for a, b in zip(rs429358_alleles, rs7412_alleles)]
        return _apoe_pair(*haplotypes), None
    n_c = list(rs429358_alleles).count("C")
    n_t = list(rs7412_alleles).count("T")
    if n_c == 1 and n_t == 1:
        return "e2/e4", "unphased: e2/e4 assumed (e1/e3 has the same genotypes but needs the rare e1 haplotype)"
    # At most one site is heterozygous, so any pairing of the two sites' alleles gives the same haplotypes.
    first = ["C"] * n_c + ["T"] * (2 - n_c)
    second = ["T"] * n_t + ["C"] * (2 - n_t)
    return _apoe_pair(*(APOE_HAPLOTYPES[pair] for pair in zip(first, second))), None


def apoe_finding(panel, genotypes, statuses):
    """The APOE genotype finding: e2/e3/e4 when rs429358 and rs7412 are both called (found or not_found)."""
    rows = {v.rsid: v for v in panel if v.rsid in (APOE_RS429358, APOE_RS7412)}
    finding = {"kind": "apoe_genotype", "gene": "APOE", "genotype": None, "status": STATUS_NO_CALL, "note": None}
    if len(rows) < 2:
        finding["note"] = "the panel lacks rs429358 or rs7412"
        return finding
    site_alleles, phases = {}, []
    for rsid, variant in rows.items():
        status, text = statuses[rsid]
        finding[rsid] = text
        if status in (STATUS_NO_CALL, STATUS_NOT_COVERED):
            finding["note"] = f"{rsid} {NOT_COVERED_TEXT}" if status == STATUS_NOT_COVERED else f"{rsid} not called"
            return finding
        parts = re.split(r"[/|]", text)
        if len(parts) != 2 or not set(parts) <= {"0", "1"}:
            finding["note"] = f"{rsid}: genotype {text} is not a diploid REF/ALT call"
            return finding
        numbers = [int(n) for n in parts]
        site_alleles[rsid] = tuple(variant.alt if n == 1 else variant.ref for n in numbers)
        call = lookup_call(variant, genotypes)
        phases.append(call.phased if call else False)
    genotype, note = apoe_genotype(site_alleles[APOE_RS429358], site_alleles[APOE_RS7412], phased=all(phases))
    finding.update(genotype=genotype, status="called", note=note)
    return finding


def interpret(findings):
    """Set each found carrier-kind finding's interpretation: 'carrier' (one copy of one variant in the gene) or
    'possibly_affected' (homozygous or hemizygous, or two or more variants found in one gene: both copies may be
    affected, which an unphased call cannot rule out; confirm clinically). Risk factors and APOE: None."""
    found = [f for f in findings if f.get("kind") == "carrier" and f["status"] == STATUS_FOUND]
    per_gene = {}
    for finding in found:
        per_gene.setdefault(finding["gene"], []).append(finding)
    for finding in found:
        several = len(per_gene[finding["gene"]]) > 1
        finding["interpretation"] = "carrier" if finding["zygosity"] == "heterozygous" and not several else (
            "possibly_affected")  # fmt: skip
    return findings


def find_carriers(panel, genotypes, min_depth=8, not_covered=None, consent=None):
    """One sample's findings: a finding per panel row (file order), then the APOE genotype.

    `panel`: [PanelVariant]; `genotypes`: {(chrom, pos, REF, ALT): SiteCall} of the sample (read_site_calls);
    `not_covered`: {(gene, contig key, POS, REF): why} of the rows the reference/target does not cover;
    `consent`: {"apoe": bool, "secondary": bool} (None: all given). A kind the sample did not consent to
    (KIND_CONSENT) is not_requested: its genotypes are not read, and the APOE genotype is not worked out.
    """
    findings, statuses, not_covered = [], {}, not_covered or {}
    consent = consent or {}
    for variant in panel:
        needs = KIND_CONSENT[variant.kind]
        if needs and consent.get(needs) is False:
            findings.append(
                variant_finding(variant, STATUS_NOT_REQUESTED, None, None, f"not requested (consent_{needs}: no)")
            )
            continue
        uncovered = not_covered.get((variant.gene, contig_key(variant.chrom), variant.pos, variant.ref))
        call = None if uncovered else lookup_call(variant, genotypes)
        if uncovered:
            status, text, reason = STATUS_NOT_COVERED, None, f"{NOT_COVERED_TEXT}: {uncovered}"
        else:
            status, text, reason = classify_call(variant, call, min_depth)
        if variant.rsid in (APOE_RS429358, APOE_RS7412):
            statuses[variant.rsid] = (status, text)
        findings.append(variant_finding(variant, status, text, call.depth if call else None, reason))
    if consent.get("apoe") is False:
        findings.append({"kind": "apoe_genotype", "gene": "APOE", "genotype": None, "status": STATUS_NOT_REQUESTED,
                         "note": "not requested (consent_apoe: no)"})  # fmt: skip
    else:
        findings.append(apoe_finding(panel, genotypes, statuses))
    return interpret(findings)
