"""One self-contained file from a module that imports the archive's Django-free modules.

The offline verifier and the witness are given to people outside the archive as a single
file. Their imports marked ``# inlined in the standalone copy`` (``from ledger.X import …``,
on one line or in parentheses) are replaced by the text of ``ledger/X.py``, recursively and
each module once, so the copy needs no repository and the repository keeps one
implementation of each thing.
"""

from __future__ import annotations

import re
from pathlib import Path

LEDGER = Path(__file__).resolve().parent
MARK = "# inlined in the standalone copy"
_IMPORT = re.compile(
    r"^from ledger\.(\w+) import "
    r"(?:\([ \t]*" + re.escape(MARK) + r"\n[^)]*\)\n|[^\n(]*" + re.escape(MARK) + r"[^\n]*\n)",
    re.MULTILINE,
)


def _inline(source: str, done: set[str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in done:
            return ""
        done.add(name)
        text = (LEDGER / f"{name}.py").read_text(encoding="utf-8")
        text = text.replace("from __future__ import annotations\n", "")
        text = _inline(text, done)
        return f"# --- ledger/{name}.py, inlined ---\n{text}\n# --- end of ledger/{name}.py ---\n"

    return _IMPORT.sub(replace, source)


def standalone_source(path: Path) -> str:
    """``path`` (a module of this package) as one file to run with ``python3``."""
    source = _inline(path.read_text(encoding="utf-8"), set())
    if re.search(r"^from ledger\.", source, re.MULTILINE):  # a module-level import left
        raise RuntimeError(f"{path.name} still imports from ledger after inlining")
    return "#!/usr/bin/env python3\n" + source
