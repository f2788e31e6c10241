#!/usr/bin/env python3
"""Prints the CloudFormation JSON that the SAM transform makes of a template, offline.

Usage: python3 scripts/sam-transform.py [template.yaml] [--region us-east-1]

It uses the SAM translator exactly the way cfn-lint does (cfn-lint's own wrapper: local CodeUri and
DefinitionUri become placeholder S3 URIs, the bundled managed-policy map replaces the IAM lookup), so
the tests assert on the same resources that `cfn-lint` lints and `sam deploy` creates. Exit code 2
and the transform errors on stderr when the template does not transform.
"""

import argparse
import json
import sys

from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Print the SAM-transformed template as JSON.")
    parser.add_argument("template", nargs="?", default="template.yaml")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    path, region = args.template, args.region

    template, matches = decode(path)
    if matches:
        for match in matches:
            print(f"{path}: {match}", file=sys.stderr)
        return 2

    transform = Transform(path, template, region)
    errors = transform.transform_template()
    if errors:
        for error in errors:
            print(f"{path}: {error.message}", file=sys.stderr)
        return 2

    json.dump(transform.template(), sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
