"""Every number the report shows, formatted once: one rounding function (`rounded`) and the text helpers built on it.

The report text, its tables, the figures' labels and annotations and the batch summary all format numbers here, so
the same value reads the same everywhere.

Rounding is half-up on the decimal value a person sees: a float is taken as its shortest decimal form
(Decimal(repr(x)), the digits Python prints for it), then rounded half away from zero. So 2.35 gives 2.4 and 0.125
gives 0.13, as a reader checking the report by hand rounds them. Python's round() and f-string formats round the
binary value half-to-even instead: 0.125 (exact in binary) becomes 0.12 and 2.675 (stored as 2.67499...) becomes
2.67, which a reader would call a mistake.

Round once: the JSON keeps more digits than any text shows (render_reports.DIGITS, sections.sig), and the text
rounds that stored value a single time here; nothing formats a value that was already rounded for display.

(The module shares its name with the standard library's `numbers` only inside the `reports` package: import it as
reports.number_format; scripts/reports/ itself is never put first on sys.path.)
"""

from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral

NOT_AVAILABLE = "not available"
NBSP = "\u00a0"  # between a number and its unit: a line never breaks there ('100' / '%')
ALMOST_ALL = f">{NBSP}99.9{NBSP}%"  # a probability that would round up to 100 % but is not 1
ALMOST_NONE = f"<{NBSP}0.1{NBSP}%"  # one that would round down to 0 % but is not 0


def _decimal(value):
    """The decimal a person reads for `value`: ints exactly, floats by their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Integral):
        return Decimal(int(value))
    return Decimal(repr(float(value)))


def rounded(value, digits=0):
    """`value` rounded half-up to `digits` decimals, as a Decimal: the one rounding of every shown number."""
    return _decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _digits_text(number, separators=False):
    """A Decimal as plain text (never an exponent), optionally with thousands separators; -0 shows as 0."""
    if number == 0:
        number = abs(number)
    return f"{number:,f}" if separators else f"{number:f}"


def _stripped(text):
    """'2.50' -> '2.5', '3.00' -> '3'."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def fixed(value, digits):
    """Exactly `digits` decimals: fixed(0.125, 2) is '0.13', fixed(1.5, 2) is '1.50'."""
    return _digits_text(rounded(value, digits))


def decimals(value, digits, separators=False):
    """At most `digits` decimals, trailing zeros dropped: decimals(2.34861, 1) is '2.3', decimals(2.96, 1) is '3'."""
    return _stripped(_digits_text(rounded(value, digits), separators))


def count(value):
    """A count with thousands separators ('12,345'); a half count (a median of two) keeps its one decimal."""
    return decimals(value, 1, separators=True)


def depth(value):
    """A sequencing depth, one decimal at most, with the times sign: '2.3\u00d7'."""
    return f"{decimals(value, 1)}\u00d7"


def percent(fraction, digits=1):
    """A fraction as a percentage with at most `digits` decimals and a no-break space: percent(0.98765) is
    '98.8\u00a0%'."""
    return f"{decimals(_decimal(fraction).scaleb(2), digits)}{NBSP}%"


def probability(value):
    """A probability as a percentage that never reads 100 % or 0 %: 0.998 is '99.8 %', 0.9996 (and a stored 1.0,
    which may be 0.99996 kept at 4 significant digits) is '> 99.9 %', 0.0004 is '< 0.1 %'."""
    if value is None:
        return NOT_AVAILABLE
    shown = rounded(_decimal(value).scaleb(2), 1)
    if shown >= 100:
        return ALMOST_ALL
    if shown == 0:
        return ALMOST_NONE
    return percent(value)


def fraction(n, total):
    """'3 of 4 (75 %)'; without the percentage when the total is 0."""
    return f"{count(n)} of {count(total)}" + (f" ({percent(n / total)})" if total else "")


def ordinal(value):
    """'1st', '2nd', '67th' for a percentile rounded half-up to a whole number (66.5 is '67th')."""
    n = int(rounded(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def significant(value, digits):
    """`value` rounded half-up to `digits` significant digits, as a Decimal (0 stays 0)."""
    number = _decimal(value)
    if number == 0:
        return Decimal(0)
    return rounded(number, digits - 1 - number.adjusted())


def short_number(value, digits=4):
    """A score as a reader sees it: `digits` significant digits (the whole part is never cut), no exponent for
    magnitudes from 0.001 up; smaller ones in scientific notation ('1.235e-5')."""
    number = _decimal(value)
    if number != 0 and abs(number) < Decimal("0.001"):
        return f"{significant(number, digits):.{digits - 1}e}"
    return decimals(number, max(digits - 1 - number.adjusted(), 0) if number else 0)


def byte_size(value):
    """A file size: '512 bytes', '1.5 KiB', '2.3 MiB' (binary units, one decimal)."""
    if value is None:
        return "\u2014"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{count(value)}{NBSP}bytes" if unit == "bytes" else f"{fixed(value, 1)}{NBSP}{unit}"
        value /= 1024
    return f"{fixed(value, 1)}{NBSP}TiB"


def plain(value, digits):
    """A data value for a table cell (the batch summary): at most `digits` significant digits, no exponent, no
    separators; ints as they are."""
    if isinstance(value, Integral):
        return str(int(value))
    number = significant(value, digits)
    return _stripped(_digits_text(number)) if number else "0"
