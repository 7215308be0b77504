"""One loader for population-labelled genotypes: peddy's compact panel or a multi-sample VCF, plus a labels file.

Both formats give the same `GenotypePanel`: sites (chrom, pos, ref, alt), an ALT-dosage matrix of shape
(n_variants, n_samples), int8 with -1 = missing, the sample IDs and one label per sample.

peddy compact panel (github.com/brentp/peddy): `<BUILD>.sites` (one `chrom:pos:ref:alt` per line) and
`<BUILD>.sites.bin.gz` (gzip of a uint8 matrix, site-major, n_sites x n_samples, ALT counts 0/1/2, no missing).
peddy's GRCH38.sites lists the same sites in the same order as GRCH37.sites, and the matrix counts the GRCh37 ALT
allele. 238 rows have other alleles in GRCh38: 118 are exact REF/ALT swaps, 120 keep the ALT and only the REF base
differs. When a `GRCH37.sites` lies beside a `GRCH38.sites`, the dosage is flipped (2 - d) at the exact swaps.

Labels file: a TSV with a header, one row per sample. The sample ID column is the first of `sample_id`,
`sample_id_inferred`, `sample`; the label column the first of `superpop`, `super_pop`, `label`. The 1000 Genomes
`integrated_call_samples_v3.20130502.ALL.panel` file therefore works as is. For a peddy panel the rows are the matrix
columns in order (peddy stores no IDs); for a VCF panel they are matched by ID and VCF samples without a label are
left out of the panel.

Study genotypes are matched to panel sites by `align_to_panel` (chromosome names compared by the contig-name rule
of scripts/common/contig_names.py, alleles in either orientation); a panel site a study VCF does not list is missing
for its samples, not reference.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import allel
import numpy as np

from common.contig_names import contig_key
from common.input_error import InputError
from common.rule_logging import get_logger

ID_COLUMNS = ("sample_id", "sample_id_inferred", "sample")
LABEL_COLUMNS = ("superpop", "super_pop", "label")
VCF_FIELDS = ["samples", "variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt"]
VCF_FIELDS += ["calldata/GT"]
MISSING = -1


@dataclass
class GenotypePanel:
    """Genotypes of labelled samples.

    chrom, ref, alt: str arrays (n_variants,); pos: int64 (n_variants,); dosage: int8 (n_variants, n_samples),
    ALT allele count with -1 = missing; sample_ids: list of n_samples str; labels: str array (n_samples,).
    """

    chrom: np.ndarray
    pos: np.ndarray
    ref: np.ndarray
    alt: np.ndarray
    dosage: np.ndarray
    sample_ids: list
    labels: np.ndarray

    @property
    def n_variants(self):
        return self.dosage.shape[0]

    @property
    def n_samples(self):
        return self.dosage.shape[1]

    def subset_samples(self, index):
        """The panel restricted to the samples at `index` (int or bool array), sites unchanged."""
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        return GenotypePanel(
            self.chrom,
            self.pos,
            self.ref,
            self.alt,
            self.dosage[:, index],
            [self.sample_ids[i] for i in index],
            self.labels[index],
        )


def read_sites(path):
    """(chrom, pos, ref, alt) arrays from a peddy sites file of `chrom:pos:ref:alt` lines."""
    chrom, pos, ref, alt = [], [], [], []
    with open(path) as fh:
        for line_no, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            fields = line.split(":")
            if len(fields) != 4 or not fields[1].isdigit():
                raise InputError(f"{path}: line {line_no}: {line!r} is not chrom:pos:ref:alt")
            chrom.append(fields[0])
            pos.append(int(fields[1]))
            ref.append(fields[2].upper())
            alt.append(fields[3].upper())
    return np.array(chrom), np.array(pos, dtype=np.int64), np.array(ref), np.array(alt)


def read_labels(path):
    """(sample IDs, labels) from a labels TSV (column names in the module docstring), in file order."""
    with open(path) as fh:
        lines = [line.rstrip("\n\r") for line in fh if line.strip() and not line.startswith("##")]
    if not lines:
        raise InputError(f"{path}: the labels file is empty")
    header = lines[0].lstrip("#").split("\t")
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    label_col = next((header.index(c) for c in LABEL_COLUMNS if c in header), None)
    if id_col is None or label_col is None:
        raise InputError(
            f"{path}: the header needs a sample column ({' or '.join(ID_COLUMNS)}) and a label column "
            f"({' or '.join(LABEL_COLUMNS)}); it has {', '.join(header)}"
        )
    ids, labels = [], []
    for row_no, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) <= max(id_col, label_col) or not fields[id_col] or not fields[label_col]:
            raise InputError(f"{path}: line {row_no}: the sample ID or the label is empty")
        ids.append(fields[id_col])
        labels.append(fields[label_col])
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: a sample ID appears twice")
    return ids, np.array(labels)


def swapped_rows(sites_path):
    """Rows of a peddy GRCH38.sites whose REF/ALT are swapped relative to the GRCH37.sites beside it (else none)."""
    sites_path = Path(sites_path)
    grch37 = sites_path.with_name("GRCH37.sites")
    if sites_path.name != "GRCH38.sites" or not grch37.exists():
        return np.array([], dtype=np.int64)
    _, _, ref38, alt38 = read_sites(sites_path)
    _, _, ref37, alt37 = read_sites(grch37)
    if len(ref37) != len(ref38):
        raise InputError(f"{sites_path}: {len(ref38)} sites but {grch37} beside it has {len(ref37)}")
    return np.flatnonzero((ref38 == alt37) & (alt38 == ref37))


def load_peddy_panel(sites_path, labels_path, matrix_path=None):
    """GenotypePanel from a peddy sites file, its `.bin.gz` matrix (default: sites path + '.bin.gz') and labels."""
    log = get_logger()
    matrix_path = Path(matrix_path or f"{sites_path}.bin.gz")
    chrom, pos, ref, alt = read_sites(sites_path)
    ids, labels = read_labels(labels_path)
    with gzip.open(matrix_path) as fh:
        raw = np.frombuffer(fh.read(), dtype=np.uint8)
    if raw.size != len(pos) * len(ids):
        raise InputError(
            f"{matrix_path}: {raw.size} values, but {sites_path} has {len(pos)} sites and {labels_path} "
            f"{len(ids)} samples ({len(pos) * len(ids)} expected)"
        )
    dosage = raw.reshape(len(pos), len(ids)).astype(np.int8)
    if dosage.max(initial=0) > 2:
        raise InputError(f"{matrix_path}: values above 2 (expected ALT allele counts 0, 1, 2)")
    flip = swapped_rows(sites_path)
    if flip.size:
        dosage[flip] = 2 - dosage[flip]
        log.info(
            "peddy panel: dosage flipped at %d sites whose REF/ALT are swapped relative to GRCH37.sites", flip.size
        )
    log.info("peddy panel: %d sites x %d samples", len(pos), len(ids))
    return GenotypePanel(chrom, pos, ref, alt, dosage, ids, labels)


def read_vcf_dosage(vcf_path, samples=None):
    """(chrom, pos, ref, alt, dosage int8 (n_variants, n_samples) with -1 missing, sample IDs) of biallelic SNVs.

    Multi-allelic records, indels and records whose genotypes are all missing are skipped. `samples`: optional
    list of sample IDs to read (default all).
    """
    data = allel.read_vcf(str(vcf_path), fields=VCF_FIELDS, alt_number=1, samples=samples)
    if data is None:
        header = allel.read_vcf_headers(str(vcf_path))
        empty = np.array([], dtype=str)
        ids = list(samples) if samples is not None else list(header.samples)
        return empty, np.array([], dtype=np.int64), empty, empty, np.zeros((0, len(ids)), dtype=np.int8), ids
    if "calldata/GT" not in data:
        raise InputError(f"{vcf_path}: no FORMAT/GT field or no sample columns; genotypes are needed")
    ref = np.array([str(r).upper() for r in data["variants/REF"]])
    alt = np.array([str(a).upper() for a in data["variants/ALT"]])
    snv = (data["variants/numalt"] == 1) & (np.char.str_len(ref) == 1) & (np.char.str_len(alt) == 1)
    genotypes = allel.GenotypeArray(data["calldata/GT"][snv])
    dosage = genotypes.to_n_alt(fill=MISSING).astype(np.int8)
    called = (dosage >= 0).any(axis=1)
    chrom = np.asarray(data["variants/CHROM"][snv], dtype=str)[called]
    pos = np.asarray(data["variants/POS"][snv], dtype=np.int64)[called]
    return chrom, pos, ref[snv][called], alt[snv][called], dosage[called], [str(s) for s in data["samples"]]


def load_vcf_panel(vcf_path, labels_path):
    """GenotypePanel of the VCF samples that have a label (biallelic SNVs only)."""
    log = get_logger()
    ids, labels = read_labels(labels_path)
    vcf_samples = [str(s) for s in allel.read_vcf_headers(str(vcf_path)).samples]
    label_of = dict(zip(ids, labels, strict=True))
    keep = [s for s in vcf_samples if s in label_of]
    if not keep:
        raise InputError(f"{vcf_path}: none of its {len(vcf_samples)} samples has a label in {labels_path}")
    chrom, pos, ref, alt, dosage, samples = read_vcf_dosage(vcf_path, samples=keep)
    log.info("VCF panel: %d biallelic SNVs x %d labelled samples (%d VCF samples unlabelled)",
             len(pos), len(samples), len(vcf_samples) - len(keep))  # fmt: skip
    return GenotypePanel(chrom, pos, ref, alt, dosage, samples, np.array([label_of[s] for s in samples]))


def load_panel(path, panel_format, labels_path):
    """GenotypePanel from `path` in `panel_format` ('peddy': the sites file; 'vcf': the VCF) with its labels file."""
    if panel_format == "peddy":
        return load_peddy_panel(path, labels_path)
    if panel_format == "vcf":
        return load_vcf_panel(path, labels_path)
    raise InputError(f"unknown panel format {panel_format!r} (expected peddy or vcf)")


def site_keys(chrom, pos):
    """(contig key, pos) tuples for matching sites across naming styles."""
    return [(contig_key(c), int(p)) for c, p in zip(chrom, pos, strict=True)]


def align_to_panel(panel, chrom, pos, ref, alt, dosage):
    """Study dosage at the panel's sites: int8 (panel.n_variants, n_study_samples), -1 where the study lacks the site.

    Study records match a panel site by chromosome (the contig-name rule of scripts/common/contig_names.py),
    position and alleles; a record with REF/ALT swapped relative to the panel is counted as 2 - dosage. Records at a
    panel position with other alleles are ignored.
    """
    out = np.full((panel.n_variants, dosage.shape[1]), MISSING, dtype=np.int8)
    row_of = {key: i for i, key in enumerate(site_keys(panel.chrom, panel.pos))}
    for j, key in enumerate(site_keys(chrom, pos)):
        i = row_of.get(key)
        if i is None:
            continue
        if (ref[j], alt[j]) == (panel.ref[i], panel.alt[i]):
            out[i] = dosage[j]
        elif (ref[j], alt[j]) == (panel.alt[i], panel.ref[i]):
            out[i] = np.where(dosage[j] >= 0, 2 - dosage[j], MISSING)
    return out
