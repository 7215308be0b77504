"""Importing samples that arrive already called (scripts/calling/import_vcf.py) from the real 1000 Genomes 30x panel.

Oracles from outside the code under test: the panel's own genotypes read with bcftools query, its PROVENANCE
(903 records, no missing genotype), the reference bases read with pysam/samtools faidx, and hand-made edits
whose effect is known (REFs changed at three chosen records; every position shifted by 7 bases).
"""

import gzip
import subprocess

import pysam
import pytest

from calling.import_vcf import clean_header, header_contigs, import_vcf, read_summary
from common.input_error import InputError
from common.rule_logging import setup_logging

PANEL = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
REFERENCE = "nfcore_na12878_chr22_grch38/derived/chr22_padded.fa.gz"
CHR22_GRCH38 = 50_818_468


@pytest.fixture(scope="module")
def data():
    from conftest import TESTDATA

    vcf, fasta = TESTDATA / PANEL / "1000GP.chr22.vcf.gz", TESTDATA / REFERENCE
    if not vcf.exists() or not fasta.exists():
        pytest.skip(f"real test data {vcf} or {fasta} is absent")
    ids = [line.split("\t")[0] for line in (TESTDATA / PANEL / "integrated_call_samples_v3.20130502.ALL.panel")
           .read_text().splitlines()[1:]]  # fmt: skip
    return vcf, fasta, ids


@pytest.fixture(autouse=True)
def job_log(tmp_path):
    setup_logging(tmp_path / "job.log")


def run_import(vcf, rows, fasta, folder, regions=None):
    out = {"bcf": folder / "out.bcf", "csi": folder / "out.bcf.csi", "summary": folder / "out.tsv",
           "mismatches": folder / "out.ref_mismatch.tsv"}  # fmt: skip
    summary = import_vcf(str(vcf), rows, str(fasta), f"{fasta}.fai", regions, out["bcf"], out["csi"], out["summary"],
                         out["mismatches"])  # fmt: skip
    return summary, out


def query(vcf, fmt, *args):
    return subprocess.run(["bcftools", "query", "-f", fmt, *args, str(vcf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()  # fmt: skip


def edited_vcf(src, out, sample, edit):
    """`src` reduced to one sample as text, each data line passed through edit(fields, line_no) (fields in place)."""
    text = subprocess.run(["bcftools", "view", "-s", sample, str(src)], capture_output=True, text=True, check=True)
    lines, n = [], 0
    for line in text.stdout.splitlines():
        if not line.startswith("#"):
            fields = line.split("\t")
            n += 1
            edit(fields, n)
            line = "\t".join(fields)
        lines.append(line)
    with gzip.open(out, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return out


def test_2504_columns_in_one_pass_keep_their_genotypes_under_their_sample_ids(data, tmp_path):
    vcf, fasta, ids = data
    rows = [(f"P{i:04d}", column) for i, column in enumerate(ids)]
    summary, out = run_import(vcf, rows, fasta, tmp_path)
    names = subprocess.run(["bcftools", "query", "-l", str(out["bcf"])], capture_output=True, text=True, check=True)
    assert names.stdout.split() == [s for s, _ in rows]
    source = query(vcf, "%POS %REF %ALT[ %GT]\n", "-s", ",".join(ids))
    imported = query(out["bcf"], "%POS %REF %ALT[ %GT]\n")
    assert len(source) == 903 and imported == source  # PROVENANCE: 903 biallelic SNPs
    assert set(query(out["bcf"], "%QUAL %INFO\n")) == {". ."}  # the panel's QUAL 0 and its cohort's INFO are gone
    assert {(r["records_in_target"], r["records_imported"], r["genotypes_called"], r["genotypes_missing"])
            for r in summary} == {(903, 903, 903, 0)}  # fmt: skip
    assert [r["sample_id"] for r in read_summary(out["summary"])] == [s for s, _ in rows]
    header = subprocess.run(["bcftools", "view", "-h", str(out["bcf"])], capture_output=True, text=True).stdout
    assert f"##contig=<ID=chr22,length={CHR22_GRCH38}>" in header and "##bcftools_normCommand" not in header


def test_records_whose_ref_differs_are_left_out_and_listed(data, tmp_path):
    vcf, fasta, _ = data
    changed = {5: None, 100: None, 700: None}  # record number -> (pos, new REF)

    def edit(fields, n):
        if n in changed:
            new_ref = next(b for b in "ACGT" if b not in (fields[3], fields[4]))
            changed[n] = (int(fields[1]), new_ref)
            fields[3] = new_ref

    bad = edited_vcf(vcf, tmp_path / "three_bad.vcf.gz", "NA12878", edit)
    summary, out = run_import(bad, [("N1", None)], fasta, tmp_path)
    with pysam.FastaFile(str(fasta)) as ref:
        expected = [("chr22", str(pos), new, ref.fetch("chr22", pos - 1, pos).upper()) for pos, new in changed.values()]
    listed = [tuple(line.split("\t")) for line in out["mismatches"].read_text().splitlines()[1:]]
    assert listed == expected
    assert (summary[0]["records_ref_mismatch"], summary[0]["records_imported"]) == (3, 900)
    kept = {int(p) for p in query(out["bcf"], "%POS\n")}
    assert not kept & {pos for pos, _ in changed.values()} and len(kept) == 900


def test_vcf_of_another_build_stops_the_import(data, tmp_path):
    vcf, fasta, _ = data
    shift = 7

    def edit(fields, _):
        fields[1] = str(int(fields[1]) + shift)

    shifted = edited_vcf(vcf, tmp_path / "shifted.vcf.gz", "NA12878", edit)
    with pysam.FastaFile(str(fasta)) as ref:  # how many REFs the reference contradicts after the shift
        disagree = sum(ref.fetch("chr22", int(p) - 1, int(p)).upper() != r for p, r in
                       (line.split() for line in query(shifted, "%POS %REF\n")))  # fmt: skip
    assert disagree > 903 / 2
    message = rf"shifted\.vcf\.gz: the REF allele differs from the reference chr22_padded\.fa\.gz at {disagree} of 903 "
    with pytest.raises(InputError, match=message + r"records .*another genome build"):
        run_import(shifted, [("N1", None)], fasta, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".out", ".import"))) == []


def test_contig_length_of_another_build_is_a_warning_when_the_refs_agree(data, tmp_path):
    vcf, fasta, _ = data

    plain = edited_vcf(vcf, tmp_path / "plain.vcf.gz", "NA12878", lambda fields, n: None)
    text = gzip.open(plain, "rt").read().replace("##contig=<ID=chr22>", "##contig=<ID=chr22,length=51304566>")
    with gzip.open(tmp_path / "grch37_length.vcf.gz", "wt") as fh:
        fh.write(text)
    summary, _ = run_import(tmp_path / "grch37_length.vcf.gz", [("N1", None)], fasta, tmp_path)
    assert summary[0]["records_imported"] == 903
    assert summary[0]["warnings"] == (
        f"##contig chr22 has length 51304566 in the VCF header but {CHR22_GRCH38} in the reference"
    )


def test_gatk_style_gvcf_keeps_its_blocks_and_loses_the_non_ref_allele(data, tmp_path):
    """A hand-made GATK-style gVCF: block, variant A>G with <NON_REF>, block; REFs read from the reference."""
    _, fasta, _ = data
    with pysam.FastaFile(str(fasta)) as ref:
        base = {p: ref.fetch("chr22", p - 1, p).upper() for p in (16570001, 16570065, 16570066)}
    alt = next(b for b in "ACGT" if b != base[16570065])
    lines = [
        "##fileformat=VCFv4.2",
        '##ALT=<ID=NON_REF,Description="Any other allele">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="Block end">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "##contig=<ID=chr22,length=50818468>",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tG1",
        f"chr22\t16570001\t.\t{base[16570001]}\t<NON_REF>\t.\t.\tEND=16570064\tGT:DP\t0/0:20",
        f"chr22\t16570065\t.\t{base[16570065]}\t{alt},<NON_REF>\t50\t.\t.\tGT:DP\t0/1:25",
        f"chr22\t16570066\t.\t{base[16570066]}\t<NON_REF>\t.\t.\tEND=16570100\tGT:DP\t0/0:18",
    ]
    gvcf = tmp_path / "g1.g.vcf"
    gvcf.write_text("\n".join(lines) + "\n")
    summary, out = run_import(gvcf, [("G1", None)], fasta, tmp_path)
    assert summary[0]["kind"] == "gvcf"
    assert query(out["bcf"], "%POS %ALT %INFO/END [%GT:%DP]\n") == [
        "16570001 . 16570064 0/0:20",
        f"16570065 {alt} . 0/1:25",
        "16570066 . 16570100 0/0:18",
    ]


def test_a_column_the_file_lacks_is_named(data, tmp_path):
    vcf, fasta, _ = data
    with pytest.raises(InputError, match=r"sample 'S1': 1000GP\.chr22\.vcf\.gz has no sample column 'NOPE'"):
        run_import(vcf, [("S1", "NOPE")], fasta, tmp_path)
    with pytest.raises(InputError, match=r"sample 'S1': 1000GP\.chr22\.vcf\.gz has 3202 sample columns"):
        run_import(vcf, [("S1", None)], fasta, tmp_path)


def test_header_helpers():
    text = "##fileformat=VCFv4.1\n##contig=<ID=chr1,length=100>\n##contig=<ID=chrM>\n##INFO=<ID=AC,Number=A>\n"
    assert header_contigs(text) == {"chr1": 100, "chrM": None}
    assert clean_header(text, [("chr1", 100)], ["S1", "S2"], gvcf=False).splitlines() == [
        "##fileformat=VCFv4.1",
        "##contig=<ID=chr1,length=100>",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
    ]


def rewritten_vcf(src, out, sample, edit=None, compress=False):
    """`src` reduced to one sample and rewritten as another tool may write it: no ##contig lines, records passed
    through edit(fields) (in place; returning False drops the record), written as plain text or plain gzip."""
    lines, records = [], []
    for line in subprocess.run(["bcftools", "view", "--no-version", "-s", sample, str(src)], capture_output=True,
                               text=True, check=True).stdout.splitlines():  # fmt: skip
        if line.startswith("##contig=") or line.startswith("##bcftools"):
            continue
        if line.startswith("#"):
            lines.append(line)
            continue
        fields = line.split("\t")
        if edit is None or edit(fields) is not False:
            records.append("\t".join(fields))
    text = "\n".join(lines + records) + "\n"
    if compress:
        with gzip.open(out, "wt") as fh:
            fh.write(text)
    else:
        out.write_text(text)
    return out


def test_a_vcf_without_contig_lines_unsorted_and_without_chr_imports_every_record(data, tmp_path):
    """PharmCAT's test VCFs and many vendor exports declare no contig; some name chr22 '22'; some are unsorted."""
    vcf, fasta, _ = data
    source = query(vcf, "%POS %REF %ALT [%GT]\n", "-s", "NA12878")

    def no_chr(fields):
        fields[0] = fields[0].removeprefix("chr")

    plain = rewritten_vcf(vcf, tmp_path / "nocontig.vcf", "NA12878", no_chr)
    lines = plain.read_text().splitlines()
    header = [x for x in lines if x.startswith("#")]
    body = [x for x in lines if not x.startswith("#")]
    assert not any(x.startswith("##contig") for x in header) and body[0].startswith("22\t")
    plain.write_text("\n".join(header + body[1::2] + body[0::2]) + "\n")  # out of order
    summary, out = run_import(plain, [("N1", None)], fasta, tmp_path)
    assert query(out["bcf"], "%CHROM\n", "-r", "chr22")[:1] == ["chr22"]
    assert query(out["bcf"], "%POS %REF %ALT [%GT]\n") == source
    assert (summary[0]["records_in_target"], summary[0]["records_imported"], summary[0]["warnings"]) == (903, 903, "")


def test_haploid_genotypes_become_homozygous_and_half_calls_and_reference_records_stay(data, tmp_path):
    """1000 Genomes writes males' chrX haploid; ALT '.' marks a reference call; '1/.' is a half-call."""
    vcf, fasta, _ = data
    source = [line.split() for line in query(vcf, "%POS %REF %ALT [%GT]\n", "-s", "NA12878")]
    expected = {}

    def edit(fields):
        pos, gt = int(fields[1]), fields[9].replace("|", "/")
        n = len(expected)
        if n % 3 == 0:  # haploid: the first allele alone
            fields[9] = gt[0]
            expected[pos] = (fields[4], f"{gt[0]}/{gt[0]}")
        elif n % 3 == 1 and gt == "0/0":  # a reference call written with ALT '.'
            fields[4] = "."
            expected[pos] = (".", fields[9])
        elif n % 3 == 1:  # a half-call
            fields[9] = gt[0] + "/."
            expected[pos] = (fields[4], f"{gt[0]}/.")
        else:
            expected[pos] = (fields[4], fields[9])

    edited = rewritten_vcf(vcf, tmp_path / "haploid.vcf.gz", "NA12878", edit, compress=True)
    summary, out = run_import(edited, [("N1", None)], fasta, tmp_path)
    imported = {int(p): (a, g) for p, _, a, g in (line.split() for line in query(out["bcf"], "%POS %REF %ALT [%GT]\n"))}
    assert imported == expected and len(imported) == len(source) == 903
    assert sum(a == "." for a, _ in imported.values()) > 100  # most of NA12878's records are 0/0 here
    assert summary[0]["records_imported"] == 903


def test_a_vcf_whose_contigs_the_reference_lacks_under_either_name_is_refused(data, tmp_path):
    vcf, fasta, _ = data

    def rename(fields):
        fields[0] = "scaffold_7"

    other = rewritten_vcf(vcf, tmp_path / "other.vcf", "NA12878", rename)
    with pytest.raises(InputError, match=r"other\.vcf: none of its contigs \('scaffold_7'\) is a contig of the refer"):
        run_import(other, [("N1", None)], fasta, tmp_path)


def test_tags_the_header_does_not_declare_are_declared_for_the_import(data, tmp_path):
    """PharmCAT's test VCFs write undeclared INFO flags (`star-2`, `assume-default`); others undeclared FILTERs and
    FORMAT keys. bcftools refuses to subset samples from such a file ('Undefined tags in the header')."""
    vcf, fasta, _ = data
    source = query(vcf, "%POS %REF %ALT [%GT]\n", "-s", "NA12878")

    def undeclared(fields):
        fields[6], fields[7] = "LowQ", "assume-default;star-2;PX=CYP2C19:x"
        fields[8], fields[9] = "GT:XY", fields[9].split(":")[0] + ":7"

    odd = rewritten_vcf(vcf, tmp_path / "odd.vcf", "NA12878", undeclared)
    summary, out = run_import(odd, [("N1", None)], fasta, tmp_path)
    assert query(out["bcf"], "%POS %REF %ALT [%GT]\n") == source
    assert set(query(out["bcf"], "%FILTER [%XY]\n")) == {"LowQ 7"}  # FILTER and other FORMAT fields are kept
    assert summary[0]["records_imported"] == 903
