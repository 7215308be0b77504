"""The failed jobs named at the end of a stopped run, read from Snakemake's log. The log below is what Snakemake 9.27.1
wrote (`--retries 1 -k`) for a three-job workflow: `flaky` fails once and succeeds on its retry, `make` (s=b) fails
on both attempts (the retry's job block left out); `gather` (a rule without a log) is cut from another run, its
`Error in rule` block as Snakemake writes one for a job without log files."""

from summary.failed_jobs import SHOWN_JOBS, failed_job_lines, failed_jobs
from summary.run_summary import end_of_run_lines

SNAKEMAKE_LOG = """\
Select jobs to execute...
Execute 1 jobs...
[Sat Dec  5 23:00:07 2026]
localrule flaky:
    output: out/flaky.txt
    log: logs/flaky.log
    jobid: 4
    reason: Missing output files: out/flaky.txt
    resources: tmpdir=/tmp
RuleException:
CalledProcessError in file "/srv/batch/Snakefile", line 13:
Command 'set -euo pipefail;  if [ ! -e attempt1 ]; then touch attempt1; exit 1; fi; echo ok > out/flaky.txt 2> \
logs/flaky.log' returned non-zero exit status 1.
[Sat Dec  5 23:00:07 2026]
Error in rule flaky:
    message: None
    jobid: 4
    output: out/flaky.txt
    log: logs/flaky.log (check log file(s) for error details)
    shell:
        if [ ! -e attempt1 ]; then touch attempt1; exit 1; fi; echo ok > out/flaky.txt 2> logs/flaky.log
        (command exited with non-zero exit code)
Trying to restart job 4.
Select jobs to execute...
Execute 1 jobs...
[Sat Dec  5 23:00:07 2026]
Finished jobid: 4 (Rule: flaky)
3 of 5 steps (60%) done
Select jobs to execute...
Execute 1 jobs...
[Sat Dec  5 23:00:07 2026]
localrule make:
    output: out/b.txt
    log: logs/make/b.log
    jobid: 2
    reason: Missing output files: out/b.txt
    wildcards: s=b
    resources: tmpdir=/tmp
[Sat Dec  5 23:00:07 2026]
Error in rule make:
    message: None
    jobid: 2
    output: out/b.txt
    log: logs/make/b.log (check log file(s) for error details)
    shell:
        if [ b = b ]; then echo boom > logs/make/b.log; exit 3; fi; echo hi > out/b.txt 2> logs/make/b.log
        (command exited with non-zero exit code)
Trying to restart job 2.
[Sat Dec  5 23:00:07 2026]
Error in rule make:
    message: None
    jobid: 2
    output: out/b.txt
    log: logs/make/b.log (check log file(s) for error details)
    shell:
        if [ b = b ]; then echo boom > logs/make/b.log; exit 3; fi; echo hi > out/b.txt 2> logs/make/b.log
        (command exited with non-zero exit code)
[Sat Dec  5 23:00:08 2026]
Error in rule gather:
    message: None
    jobid: 9
    output: out/all.txt
Exiting because a job execution failed. Look above for error messages
"""


def test_jobs_whose_last_attempt_failed_are_named_with_their_logs():
    assert failed_jobs(SNAKEMAKE_LOG.splitlines()) == [("make", ["logs/make/b.log"]), ("gather", [])]


def test_the_lines_of_a_stopped_run_name_each_failed_job_before_the_exit_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no batch QC table: the summary line says so
    log = tmp_path / ".snakemake/log/run.snakemake.log"
    log.parent.mkdir(parents=True)
    log.write_text(SNAKEMAKE_LOG)
    assert end_of_run_lines(False, [str(log)]) == [
        "genorisk: no batch QC table yet (results/qc/batch_qc.tsv): no sample verdicts to show",
        "genorisk: job make failed; its log: logs/make/b.log",
        "genorisk: job gather failed (it has no log file)",
        "genorisk: the run did NOT finish: see the error above (log: .snakemake/log/run.snakemake.log)",
    ]
    assert "failed" not in " ".join(end_of_run_lines(True, [str(log)]))  # a finished run names no failed job


def test_many_failed_jobs_are_counted_past_the_first_ones(tmp_path):
    block = "Error in rule call:\n    jobid: {0}\n    log: logs/call/{0}.log (check log file(s) for error details)\n"
    log = tmp_path / "snakemake.log"
    log.write_text("".join(block.format(i) for i in range(SHOWN_JOBS + 3)))
    lines = failed_job_lines([str(log), str(tmp_path / "absent.log")])
    assert lines[0] == "job call failed; its log: logs/call/0.log" and len(lines) == SHOWN_JOBS + 1
    assert lines[-1] == "and 3 more failed jobs (Snakemake's log names them)"
