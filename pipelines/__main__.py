"""python -m pipelines compile [--stack STACK] [-o FILE]: write a stack's compiled GPU pipeline."""

import argparse
import sys

from pipelines.gpu_pipeline import compile_for_stack
from settings import PROJECT, SettingsError, load_settings
from tools.mock_engine import stack_file_config


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    compile_command = commands.add_parser("compile", help="compile the GPU pipeline of a stack")
    compile_command.add_argument("--stack", help="read stacks/Pulumi.<stack>.yaml (default: the defaults)")
    compile_command.add_argument("-o", "--output", help="write here instead of to standard output")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(stack_file_config(args.stack) if args.stack else {"gcp:project": "my-project",
                                                                                   "gcp:region": "us-central1"})
    except (SettingsError, FileNotFoundError) as error:
        print(f"{PROJECT}: {error}", file=sys.stderr)
        return 1
    pipeline = settings.pipeline
    text = compile_for_stack(settings)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}: pipeline {pipeline.name}, GPU task on pool {pipeline.pool}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
