#!/usr/bin/env python3
"""Run a witness of the archive's ledger (see ``ledger/witness.py``):

    python3 scripts/ledger_witness.py keygen --name NAME --key KEY.pem
    python3 scripts/ledger_witness.py serve --name NAME --key KEY.pem --state STATE.json \\
        --log ORIGIN=HEX_PUBLIC_KEY [--listen 127.0.0.1:8800]
    python3 scripts/ledger_witness.py --write-standalone FILE

No Django: the standard library and ``cryptography``. The last form writes the witness as one
self-contained file (``ledger/merkle.py`` inlined) for an office that runs it on its own
machine without the archive's repository.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger import witness  # noqa: E402


def standalone_source() -> str:
    merkle = (ROOT / "ledger" / "merkle.py").read_text(encoding="utf-8")
    merkle = merkle.replace("from __future__ import annotations\n", "")
    source = (ROOT / "ledger" / "witness.py").read_text(encoding="utf-8")
    if witness.IMPORT_MERKLE not in source:
        raise RuntimeError("ledger/witness.py no longer imports ledger.merkle as expected")
    inlined = f"# --- ledger/merkle.py, inlined ---\n{merkle}\n# --- end of ledger/merkle.py ---\n"
    return "#!/usr/bin/env python3\n" + source.replace(witness.IMPORT_MERKLE, inlined)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-standalone"] and len(sys.argv) == 3:
        Path(sys.argv[2]).write_text(standalone_source(), encoding="utf-8")
        print(f"Wrote {sys.argv[2]}: run it with python3 {Path(sys.argv[2]).name} serve …")
        sys.exit(0)
    sys.exit(witness.main())
