#!/usr/bin/env python3
"""Validates istmo JSON reports against docs/report.schema.json.

Usage: check_report_schema.py SCHEMA FILE...   (FILE: one JSON value, or NDJSON; "-" = stdin)

Each value is checked against the definition its shape names: a batch result line (has
"codes"), an invoice report (has "cufe_computed"), else a verification report. The CLI's
several-files wrapper {"file": ..., "report": {...}} and JSON arrays of reports are unwrapped.
Exit 0 when every value is valid, 1 otherwise, 77 when python3-jsonschema is not installed
(ctest reports that as "Not Run").
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed: the report schema check did not run", file=sys.stderr)
    sys.exit(77)


def kind_of(value):
    if "codes" in value:
        return "batch_result"
    if "cufe_computed" in value:
        return "invoice_report"
    return "verification_report"


def values_in(text):
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as error:
                out.append(NotJson(f"line {number} is not JSON ({error}): {line[:120]}"))
        return out


class NotJson(str):
    """A line that is not JSON: reported as a problem."""


def reports_in(value):
    if isinstance(value, list):
        for item in value:
            yield from reports_in(item)
    elif isinstance(value, dict) and "report" in value and "file" in value:
        yield from reports_in(value["report"])
    else:
        yield value


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validators = {}
    checked = 0
    failures = 0
    for name in argv[2:]:
        text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
        for value in values_in(text):
            if isinstance(value, NotJson):
                failures += 1
                print(f"{name}: {value}", file=sys.stderr)
                continue
            for report in reports_in(value):
                kind = kind_of(report) if isinstance(report, dict) else "verification_report"
                if kind not in validators:
                    one = {key: item for key, item in schema.items() if key != "anyOf"}
                    one["$ref"] = f"#/$defs/{kind}"
                    validators[kind] = jsonschema.Draft202012Validator(one)
                errors = sorted(validators[kind].iter_errors(report), key=lambda e: list(e.absolute_path))
                checked += 1
                for error in errors[:5]:
                    failures += 1
                    path = "/".join(str(p) for p in error.absolute_path)
                    print(f"{name}: {kind} at /{path}: {error.message}", file=sys.stderr)
    print(f"{checked} report(s) checked, {failures} problem(s)")
    return 0 if failures == 0 and checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
