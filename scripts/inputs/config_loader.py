"""Validate a genorisk config against its schema, fill defaults, resolve paths.

Used at workflow start (common.smk) and by tests. Errors name the key and the problem.
"""

import copy
import os
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml

from common.input_error import InputError, path_problem, remember_written

# libyaml's safe loader when PyYAML has it: the same result, ~10x faster (schemas are read at every start).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Config keys ("key" or "section/key") holding paths, resolved relative to the config file's folder.
PATH_KEYS = (
    "samples",
    "reference",
    "regions",
    "structure/panel",
    "structure/panel_labels",
    "pgx/vcf",
    "pgx/panel",
    "deliver/secret_file",
    "carrier/panel",
    "carrier/vcf",
    "clinvar/vcf",
    "clinvar/genes",
    "pgs/reference_panel/vcf",
    "pgs/reference_panel/labels",
)
# Nested keys ("section/key") holding lists of paths, resolved item by item the same way.
PATH_LIST_KEYS = ("sites/files", "pgs/scoring_files", "deliver/recipients")
# structure.panel: this word turns ancestry off; unset, the shipped panel of the build (these builds) is used.
NO_PANEL = "none"
SHIPPED_ANCESTRY_SITES = {"GRCh37": "GRCH37.sites", "GRCh38": "GRCH38.sites"}
SHIPPED_ANCESTRY_LABELS = "labels_2504.tsv"
# Keys naming files only the user provides, checked at start (check_input_files). Not here: samples, reference and
# regions (the sample sheet reader and the preflight check them), pgx.panel (a folder whose files may be gzipped),
# pgx.vcf and carrier.vcf (may name a file the workflow makes).
INPUT_FILE_KEYS = (
    "clinvar/vcf",
    "clinvar/genes",
    "structure/panel",
    "structure/panel_labels",
    "carrier/panel",
    "deliver/secret_file",
    "sites/files",
    "pgs/scoring_files",
    "deliver/recipients",
    "pgs/reference_panel/vcf",
    "pgs/reference_panel/labels",
)


def _holder(config, sections):
    """The mapping holding a key under `sections` (a list of section names), or {} when a section is unset."""
    for name in sections:
        config = config.get(name) or {}
    return config


def _key_path(error):
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _describe(error):
    """One line for a schema error: which key, what is wrong."""
    if error.validator == "additionalProperties":
        extra = sorted(str(k) for k in set(error.instance) - set(error.schema.get("properties", {})))
        where = _key_path(error)
        return f"unknown config key {'.'.join([where, extra[0]]) if where != '(top level)' else extra[0]!r}" + (
            f" (allowed here: {', '.join(sorted(error.schema['properties']))})"
        )
    if error.validator == "required":
        missing = error.message.split("'")[1]
        where = _key_path(error)
        return f"config key {missing if where == '(top level)' else where + '.' + missing!r} is required"
    return f"config key {_key_path(error)!r}: {error.message}"


def _fill_defaults(schema, instance, root):
    """Set schema defaults for missing keys, recursing into objects (defaults live only in the schema)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**root["definitions"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            _fill_defaults(sub, instance[key], root)


def load_schema(schema_path):
    with open(schema_path) as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)


def _is_integer(checker, instance):
    """JSON Schema draft 7 counts 2.0 as an integer; a count or threshold given as 2.0 is refused instead."""
    return isinstance(instance, int) and not isinstance(instance, bool)


# Draft 7 with a strict "integer": `range(config["calling"]["chunks"])` needs a real int.
StrictValidator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def validate_config(config, schema_path, source="config"):
    """Return a copy of `config` with defaults filled in; raise InputError naming the first bad key."""
    schema = load_schema(schema_path)
    if not isinstance(config, Mapping):
        raise InputError(f"{source}: the config must be a mapping of keys to values, not a {type(config).__name__}")
    config = copy.deepcopy(dict(config))
    errors = sorted(StrictValidator(schema).iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise InputError(f"{source}: {_describe(errors[0])}")
    _fill_defaults(schema, config, schema)
    return config


def workdir_relative(path):
    """A path as Snakemake should see it: relative when inside the working directory, else absolute."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    return absolute if rel.startswith("..") else rel


def _resolved(config_dir, written):
    """A config path resolved against the config file's folder; how it was written is kept for messages."""
    resolved = workdir_relative(Path(config_dir) / os.path.expanduser(written))
    remember_written(resolved, written)
    return resolved


def resolve_paths(config, config_dir):
    """Resolve the path keys relative to `config_dir` (the config file's folder)."""
    config = copy.deepcopy(config)
    for dpath in PATH_KEYS:
        *section, key = dpath.split("/")
        holder = _holder(config, section)
        if holder.get(key):
            holder[key] = _resolved(config_dir, holder[key])
    for dpath in PATH_LIST_KEYS:
        section, key = dpath.split("/")
        paths = config.get(section, {}).get(key)
        if paths:
            config[section][key] = [_resolved(config_dir, p) for p in paths]
    return config


def check_cross_keys(config, source="config"):
    """InputError for combinations of keys the schema cannot express (each key alone is valid)."""
    structure = config["structure"]
    if structure["panel"] and structure["panel"] != NO_PANEL and not structure["panel_labels"]:
        raise InputError(
            f"{source}: structure.panel is set but structure.panel_labels is not (the panel's labels are needed)"
        )


def check_reference_panel(config, source="config"):
    """pgs.reference_panel needs an ancestry panel (after choose_ancestry_panel): its reference samples' principal
    components are the ancestry panel's own, and each sample is compared with its ancestry's population."""
    if (config["pgs"].get("reference_panel") or {}).get("vcf") and not config["structure"]["panel"]:
        raise InputError(
            f"{source}: pgs.reference_panel is set but no ancestry panel is used (structure.panel is 'none', or no "
            f"panel is shipped for build {config.get('build')!r}): scores are compared within the sample's ancestry, "
            "so set structure.panel or remove pgs.reference_panel"
        )


def choose_ancestry_panel(config, shipped_dir):
    """A copy of `config` with structure.panel decided once (the rules and the report read the result):
    'none' -> null (ancestry off); unset (null) with `build` GRCh37 or GRCh38 and `shipped_dir` given -> the shipped
    peddy panel of that build (absolute paths, format peddy, its labels); anything else as written."""
    config = copy.deepcopy(config)
    structure = config["structure"]
    if structure["panel"] == NO_PANEL:
        structure.update(panel=None, panel_labels=None)
    elif not structure["panel"] and shipped_dir and config.get("build") in SHIPPED_ANCESTRY_SITES:
        shipped = Path(shipped_dir).resolve()
        structure.update(panel=str(shipped / SHIPPED_ANCESTRY_SITES[config["build"]]), panel_format="peddy",
                         panel_labels=str(shipped / SHIPPED_ANCESTRY_LABELS))  # fmt: skip
    return config


def load_config(config, config_dir, schema_path, source="config", shipped_ancestry=None):
    """Validate, fill defaults, check keys together, choose the ancestry panel (`shipped_ancestry`: the folder of the
    shipped panel, or None for none) and resolve paths: the config every rule reads. `source` names the file in
    errors."""
    checked = validate_config(config, schema_path, source)
    check_cross_keys(checked, source)
    chosen = choose_ancestry_panel(checked, shipped_ancestry)
    check_reference_panel(chosen, source)
    return resolve_paths(chosen, config_dir)


def check_input_files(config, may_be_made=frozenset(), source="config"):
    """InputError naming the first INPUT_FILE_KEYS file that does not exist, as written and as resolved.

    `config` is resolved (load_config); files in `may_be_made` (made by a rule of the workflow: the demo) are skipped.
    """
    made = {os.path.normpath(p) for p in may_be_made}
    for dpath in INPUT_FILE_KEYS:
        *section, key = dpath.split("/")
        value = _holder(config, section).get(key)
        for path in [value] if isinstance(value, str) else value or []:
            if os.path.normpath(path) not in made and not Path(path).is_file():
                name = ".".join([*section, key])
                raise InputError(path_problem(f"{source}: config key '{name}': file", path, "does not exist"))
