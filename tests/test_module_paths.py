"""Every repository path a docstring or comment names (``runtime/.../x.py``) exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_FOLDERS = ("runtime", "symbolic", "codegen", "generated", "package_root", "tests", "docs",
            "benchmarks", "examples")
_PATH = re.compile(r"(?<![\w/.])((?:runtime|symbolic|codegen|generated|tests|benchmarks|"
                   r"examples)/[\w/]+(?:\.pyx\.in|\.pxi\.in|\.pyx|\.pxd|\.py|/))")


def _sources():
    yield ROOT / "README.md"
    for folder in _FOLDERS:
        for suffix in ("*.py", "*.pyx", "*.pxd", "*.md", "*.in"):
            yield from (path for path in (ROOT / folder).rglob(suffix)
                        if ".venv" not in path.parts and "build" not in path.parts)


def test_named_paths_exist():
    missing = []
    for source in _sources():
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            for path in _PATH.findall(line):
                if "{" not in line and not (ROOT / path).exists():
                    missing.append(f"{source.relative_to(ROOT)}:{number}: {path}")
    assert missing == []
