"""The lock files install exactly what pyproject.toml asks for.

`make run`, `make test` and `make serve` install from the locks (exact versions
with hashes); `make lock` regenerates them. This fails, in CI too, when
pyproject.toml changed and the locks were not refreshed.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(lock_name: str) -> dict[str, str]:
    return {canonicalize_name(name): version
            for name, version in PIN.findall((ROOT / lock_name).read_text())}


@pytest.mark.parametrize("lock_name, requirements", [
    ("requirements.lock", PYPROJECT["dependencies"]),
    ("requirements-dev.lock",
     PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["test"]),
])
def test_every_requirement_is_pinned_within_its_range(lock_name, requirements):
    pinned = pins(lock_name)
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is missing from {lock_name}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock_name} pins {name}=={pinned[name]}, outside {requirement.specifier}: "
            "run make lock")


@pytest.mark.parametrize("lock_name", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_hashes(lock_name):
    text = (ROOT / lock_name).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text.startswith("#") else text)
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, f"{block.splitlines()[0]} has no hash"
