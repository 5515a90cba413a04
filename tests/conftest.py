import functools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.mock_engine import run_program, stack_file_config, stack_names  # noqa: E402

STACKS = stack_names()
MINIMAL = {"gcp:project": "my-project", "gcp:region": "us-central1"}


@functools.lru_cache(maxsize=None)
def stack_run(stack: str):
    """One mocked run per stack file, shared by every assertion that reads it."""
    return run_program(stack_file_config(stack), stack)


@functools.lru_cache(maxsize=None)
def defaults_run():
    """A stack file with only gcp:project and gcp:region."""
    return run_program(dict(MINIMAL), "defaults")


@pytest.fixture(params=STACKS)
def each_stack(request):
    return stack_run(request.param)
