"""Tests of scripts/reports/number_format.py: every expected text is rounded by hand, half-up on the decimal digits."""

from decimal import Decimal

import pytest

from reports import number_format as num
from reports.content import value_text

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.35, 1, "2.4"),  # binary 2.35 is 2.35000000000000008882, but the decimal a person reads is a tie: up
        (0.125, 2, "0.13"),  # exact in binary: round() gives 0.12 (half-even)
        (2.675, 2, "2.68"),  # binary 2.67499999999999982236: f"{2.675:.2f}" gives 2.67
        (2.34861, 1, "2.3"),
        (-2.5, 0, "-3"),  # half away from zero
        (1234.5, 0, "1235"),
    ],
)
def test_rounded_is_half_up_on_the_decimal_value(value, digits, expected):
    assert num.rounded(value, digits) == Decimal(expected)


def test_significant_digits():
    assert num.significant(66.6666666, 6) == Decimal("66.6667")
    assert num.significant(0.000123456789, 4) == Decimal("0.0001235")
    assert num.significant(1234567.89, 6) == Decimal("1234570")
    assert num.significant(0.0, 6) == 0


def test_decimals_and_fixed():
    assert num.decimals(2.34861, 1) == "2.3"
    assert num.decimals(2.96, 1) == "3"  # 2.96 -> 3.0, trailing zero dropped
    assert num.decimals(15.0, 1) == "15"
    assert num.decimals(-0.04, 1) == "0"  # never "-0"
    assert num.fixed(0.125, 2) == "0.13"
    assert num.fixed(1.5, 2) == "1.50"
    assert num.fixed(0.666667, 3) == "0.667"
    assert num.fixed(0.3745, 3) == "0.375"


def test_counts_have_thousands_separators():
    assert num.count(1234567) == "1,234,567"
    assert num.count(2.0) == "2"
    assert num.count(1.5) == "1.5"  # a median of two counts
    assert num.count(12345.25) == "12,345.3"


def test_depth_rounds_the_stored_value_once():
    assert num.depth(2.34861) == "2.3\u00d7"  # not 2.35 first, then 2.4
    assert num.depth(2.35) == "2.4\u00d7"
    assert num.depth(31.456) == "31.5\u00d7"
    assert num.depth(30.96) == "31\u00d7"


def test_percentages():
    assert num.percent(0.98765) == f"98.8{NBSP}%"  # 98.765 -> 98.8
    assert num.percent(0.0235) == f"2.4{NBSP}%"  # 2.35 -> 2.4
    assert num.percent(0.5) == f"50{NBSP}%"
    assert num.percent(1.0) == f"100{NBSP}%"
    assert num.percent(91 / 93) == f"97.8{NBSP}%"  # 0.978494...
    assert num.fraction(3, 4) == f"3 of 4 (75{NBSP}%)"
    assert num.fraction(1234, 2000) == f"1,234 of 2,000 (61.7{NBSP}%)"
    assert num.fraction(0, 0) == "0 of 0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.998, f"99.8{NBSP}%"),
        (0.9994, f"99.9{NBSP}%"),  # 99.94 -> 99.9
        (0.9995, f">{NBSP}99.9{NBSP}%"),  # 99.95 would round up to 100.0
        (0.9996, f">{NBSP}99.9{NBSP}%"),
        (1.0, f">{NBSP}99.9{NBSP}%"),  # a stored 1.0 may be 0.99996 at 4 significant digits
        (0.0005, f"0.1{NBSP}%"),  # 0.05 -> 0.1
        (0.0004, f"<{NBSP}0.1{NBSP}%"),  # 0.04 would round down to 0
        (None, "not available"),
    ],
)
def test_probability_never_reads_100_or_0_percent(value, expected):
    assert num.probability(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(66.6667, "67th"), (66.5, "67th"), (1, "1st"), (2.4, "2nd"), (3, "3rd"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"), (0.4, "0th")],
)  # fmt: skip
def test_ordinal_rounds_half_up(value, expected):
    assert num.ordinal(value) == expected  # round(66.5) would give 66 (half-even)


def test_short_number_keeps_four_significant_digits():
    assert num.short_number(0.5) == "0.5"
    assert num.short_number(1 / 6) == "0.1667"
    assert num.short_number(-1.0) == "-1"
    assert num.short_number(0) == "0"
    assert num.short_number(1234.5) == "1235"
    assert num.short_number(12345.678) == "12346"  # the whole part is never cut to 1.235e+04
    assert num.short_number(0.000012345) == "1.235e-5"


def test_byte_sizes():
    assert num.byte_size(512) == f"512{NBSP}bytes"
    assert num.byte_size(1536) == f"1.5{NBSP}KiB"
    assert num.byte_size(1234567) == f"1.2{NBSP}MiB"  # 1234567 / 1024 / 1024 = 1.177
    assert num.byte_size(None) == "\u2014"


def test_plain_cells_of_the_batch_summary():
    assert num.plain(31.46, 6) == "31.46"
    assert num.plain(12.0, 6) == "12"
    assert num.plain(0.97849462, 6) == "0.978495"
    assert num.plain(4, 6) == "4"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("mean_depth", 2.34861, "2.3\u00d7"),
        ("mean_depth", 2.35, "2.4\u00d7"),
        ("heterozygosity", 0.666667, "0.667"),
        ("ti_tv", 2.675, "2.68"),
        ("ti_tv", 0.125, "0.13"),
        ("call_rate", 0.9, f"90{NBSP}%"),
        ("total_reads", 120000, "120,000"),
        ("n_snv_het", 1.5, "1.5"),
        ("breadth", None, "not available"),
    ],
)
def test_report_values(key, value, expected):
    assert value_text(key, value) == expected
