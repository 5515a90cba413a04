"""Render a stack offline: run the real program under the mock engine and show what it would create."""

import argparse
from collections import Counter
import sys

from settings import SettingsError
from tools.mock_engine import Run, run_program, stack_file_config, stack_names


def summary(run: Run) -> str:
    lines = [f"stack {run.stack}: {len(run.resources)} resources"]
    for type_, count in sorted(Counter(r.type for r in run.resources).items()):
        lines.append(f"  {count:3d}  {type_}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="a stack file's name: stacks/Pulumi.<stack>.yaml")
    which.add_argument("--all", action="store_true", help="every stack file in stacks/")
    args = parser.parse_args(argv)
    failed = 0
    for stack in stack_names() if args.all else [args.stack]:
        try:
            run = run_program(stack_file_config(stack), stack)
        except (SettingsError, FileNotFoundError) as error:
            print(f"stack {stack}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(summary(run))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
