"""Rule report_date: the date every report of the batch prints, fixed once so reruns stay byte-identical.

results/report/report_date.txt holds one line, YYYY-MM-DD:
- the config's report.date when given (a published batch is rerun byte for byte with its date);
- else the day of the run that first made the reports: SOURCE_DATE_EPOCH's UTC day when that variable is set (the
  reproducible-builds convention; tests and CI set it), else today's UTC date. The rule's input is the batch's
  genotype counts, as the reports' is: a later run that recomputes nothing keeps the file and its date, a changed
  cohort (new samples) re-renders the reports and dates them anew, and so does deleting the file.
"""

import datetime
import os
import re

from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def report_date(configured=None, environ=None, now=None):
    """The report date as YYYY-MM-DD (see the module docstring); InputError for an impossible date."""
    environ = os.environ if environ is None else environ
    if configured:
        try:
            if not DATE.match(configured):
                raise ValueError("not YYYY-MM-DD")
            return datetime.date.fromisoformat(configured).isoformat()
        except ValueError as error:
            raise InputError(f"config report.date {configured!r} is not a date ({error})") from None
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.isdigit():
            raise InputError(f"SOURCE_DATE_EPOCH {epoch!r} is not a number of seconds")
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date().isoformat()
    now = now or datetime.datetime.now(datetime.UTC)
    return now.date().isoformat()


def main(smk):
    setup_logging(smk.log[0])
    date = report_date(smk.params.date)
    write_text(smk.output.date, date + "\n")
    get_logger().info("report date %s", date)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
