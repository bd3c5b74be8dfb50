"""Print the package tree with one line per module (its docstring's first sentence), for README's
ARCHITECTURE section: `python scripts/architecture.py > /tmp/tree.txt`. tests/test_structure.py
checks that the README names every module this prints."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "assetmap", "needs_assessment")
WIDTH = 104


def modules() -> list[Path]:
    """Every Python module of the project's packages, in tree order."""
    return sorted(p.relative_to(ROOT) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def summary(path: Path) -> str:
    """The first sentence of a module's docstring (or its package's name)."""
    doc = ast.get_docstring(ast.parse((ROOT / path).read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    for end in (". ", ": "):
        if end in first:
            first = first.split(end)[0]
            break
    return first.rstrip(".")


def tree() -> list[str]:
    lines = []
    for path in modules():
        depth = len(path.parts) - 1
        name = "/".join(path.parts) if depth == 0 else "  " * depth + path.name
        if path.name == "__init__.py":
            name = "  " * (depth - 1) + path.parent.name + "/"
        text = summary(path)
        line = f"{name:<34} {text}" if text else name
        lines.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    return lines


if __name__ == "__main__":
    sys.stdout.write("\n".join(tree()) + "\n")
