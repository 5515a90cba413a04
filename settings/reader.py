"""Reading raw stack-file values with their key paths, collecting every problem instead of stopping at the first.

Each problem names the full key path, the value given and what is allowed, so that one `pulumi up`
(or one render) shows everything wrong with a stack at once.
"""

import json
import re
from typing import Any, Callable, Iterable, Optional

# Kubernetes label syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue).
_NAME_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def label_key_problem(key: str) -> Optional[str]:
    """Why `key` is not a valid Kubernetes label or taint key, or None."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, prefix)):
        return "the prefix before '/' must be a DNS subdomain of at most 253 characters"
    if not name or len(name) > 63 or not re.fullmatch(_NAME_PART, name):
        return ("a label key is an optional DNS-subdomain prefix and '/', then at most 63 characters "
                "of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric")
    return None


def label_value_problem(value: str) -> Optional[str]:
    """Why `value` is not a valid Kubernetes label or taint value, or None."""
    if value and (len(value) > 63 or not re.fullmatch(_NAME_PART, value)):
        return ("a label value is empty or at most 63 characters of alphanumerics, '-', '_' or '.', "
                "starting and ending with an alphanumeric")
    return None


def show(value: Any) -> str:
    return "nothing" if value is None else json.dumps(value)


class Problems(list):
    """Every problem found in a stack's settings, in the order found."""

    def add(self, path: str, value: Any, allowed: str) -> None:
        self.append(f"{path}: got {show(value)}; {allowed}")


_MISSING = object()


class Section:
    """One mapping of the stack file. Reports unknown keys at once, so a typo is never silently ignored."""

    def __init__(self, problems: Problems, path: str, raw: Any, keys: Iterable[str]):
        self.problems = problems
        self.path = path
        self.keys = tuple(keys)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            problems.add(path, raw, "expected a mapping with the keys " + ", ".join(self.keys))
            raw = {}
        self.raw = raw
        for key in raw:
            if key not in self.keys:
                problems.add(f"{self.key_path(key)}", raw[key],
                             f"unknown key {key!r}; the keys of {path} are " + ", ".join(self.keys))

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}"

    def given(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def _typed(self, key: str, default: Any, accepts: Callable[[Any], bool], expected: str) -> Any:
        value = self.raw.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not accepts(value):
            self.problems.add(self.key_path(key), value, expected)
            return None
        return value

    def string(self, key: str, default: Optional[str], *, choices: Iterable[str] = (),
               pattern: Optional[re.Pattern] = None, described: str = "") -> Optional[str]:
        value = self._typed(key, default, lambda v: isinstance(v, str), "expected a string")
        choices = tuple(choices)
        if value is None:
            return None
        if choices and value not in choices:
            self.problems.add(self.key_path(key), value, "expected one of " + ", ".join(choices))
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.problems.add(self.key_path(key), value, described or f"expected to match {pattern.pattern}")
            return None
        return value

    def integer(self, key: str, default: Optional[int], *, low: Optional[int] = None,
                high: Optional[int] = None) -> Optional[int]:
        value = self._typed(key, default,
                            lambda v: isinstance(v, int) and not isinstance(v, bool), "expected a whole number")
        if value is None:
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            self.problems.add(self.key_path(key), value, f"expected a whole number {bounds}")
            return None
        return value

    def boolean(self, key: str, default: Optional[bool]) -> Optional[bool]:
        return self._typed(key, default, lambda v: isinstance(v, bool), "expected true or false")

    def strings(self, key: str, default: tuple = ()) -> Optional[tuple[str, ...]]:
        value = self._typed(key, default, lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
                            "expected a list of strings")
        return None if value is None else tuple(value)

    def string_map(self, key: str, default: Optional[dict] = None) -> Optional[dict[str, str]]:
        value = self._typed(key, default if default is not None else {},
                            lambda v: isinstance(v, dict) and all(isinstance(i, str) for i in v.values()),
                            "expected a mapping of strings to strings (quote values such as \"true\" or \"4\")")
        return None if value is None else dict(value)

    def section(self, key: str, keys: Iterable[str]) -> "Section":
        return Section(self.problems, self.key_path(key), self.raw.get(key), keys)

    def sections(self, key: str, keys: Iterable[str]) -> Optional[list["Section"]]:
        return section_list(self.problems, self.key_path(key), self.raw.get(key), keys)


def section_list(problems: Problems, path: str, value: Any, keys: Iterable[str]) -> Optional[list[Section]]:
    """A list of mappings; None when absent, so the caller can apply its default."""
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add(path, value, "expected a list of mappings")
        return []
    return [Section(problems, f"{path}[{i}]", item, keys) for i, item in enumerate(value)]


def check_labels(problems: Problems, path: str, labels: dict[str, str]) -> None:
    for key, value in labels.items():
        if why := label_key_problem(key):
            problems.add(f"{path}.{key}", key, why)
        if why := label_value_problem(value):
            problems.add(f"{path}.{key}", value, why)
