#!/usr/bin/env python3
"""Validate guestcap JSON documents against contracts/report.schema.json (JSON Schema 2020-12).

    scripts/validate-json.py [--def host] FILE...     ('-' reads standard input)

Exit 0 when every document is valid; 1 with one line per problem otherwise.
"""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "contracts", "report.schema.json")


def main(argv):
    definition = None
    if len(argv) > 2 and argv[1] == "--def":
        definition, argv = argv[2], [argv[0]] + argv[3:]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(SCHEMA) as f:
        schema = json.load(f)
    if definition:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in argv[1:]:
        doc = json.load(sys.stdin) if path == "-" else json.load(open(path))
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {where}: {error.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
