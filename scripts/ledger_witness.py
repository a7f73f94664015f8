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
from ledger.standalone import standalone_source  # noqa: E402

if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-standalone"] and len(sys.argv) == 3:
        Path(sys.argv[2]).write_text(
            standalone_source(ROOT / "ledger" / "witness.py"), encoding="utf-8"
        )
        print(f"Wrote {sys.argv[2]}: run it with python3 {Path(sys.argv[2]).name} serve …")
        sys.exit(0)
    sys.exit(witness.main())
