import copy
import functools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from settings import SettingsError  # noqa: E402
from tools.mock_engine import run_program, stack_file_config, stack_names  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
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


def assert_rejected(config, path: str, allowed: str) -> None:
    """The program refuses `config` with a problem at `path` that says `allowed`, and declares nothing."""
    with pytest.raises(SettingsError) as caught:
        run_program(copy.deepcopy(config))
    lines = [p for p in caught.value.problems if p.startswith(f"{path}: got ")]
    assert lines, f"no problem at {path}: {caught.value.problems}"
    assert any(allowed in line for line in lines), lines
    assert caught.value.run.resources == []
