"""What each participant consented to receive: one decision, made here, for every rule that computes or delivers
an optional section.

Sample-sheet columns consent_apoe, consent_secondary and consent_prs hold yes / no / empty (the sheet schema
refuses anything else); an empty cell takes the config's `consent` block (defaults: apoe no, secondary no, prs
yes: workflow/schemas/config.schema.yaml says why). What each consent covers:
- apoe       the APOE genotype (the carrier panel's kind apoe);
- secondary  secondary findings: the carrier panel's risk factors (kind risk_factor);
- prs        polygenic scores.
Carrier status for recessive conditions is what the batch is run for and needs no extra consent.
"""

CONSENTS = ("apoe", "secondary", "prs")
DEFAULTS = {"apoe": False, "secondary": False, "prs": True}
WORDS = {"yes": True, "no": False}


def sample_consent(row, defaults=None):
    """{consent: bool} of one sheet row ({column: text}); an empty or absent cell takes `defaults` (the config's
    consent block, missing keys: DEFAULTS)."""
    defaults = {**DEFAULTS, **(defaults or {})}
    found = {}
    for what in CONSENTS:
        text = str(row.get(f"consent_{what}") or "").strip().lower()
        found[what] = WORDS[text] if text in WORDS else bool(defaults[what])
    return found


def batch_consent(samples, defaults=None):
    """{sample_id: {consent: bool}} for the sheet's rows ({sample_id: row}), in sheet order."""
    return {sample: sample_consent(row, defaults) for sample, row in samples.items()}


def refused(consent, what):
    """The sample IDs of a batch_consent result that did not consent to `what`, in sheet order."""
    return [sample for sample, given in consent.items() if not given[what]]


def not_requested_reason(what):
    """The words every output uses for a section left out by consent."""
    return f"not requested (consent_{what}: no)"
