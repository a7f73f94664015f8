#!/usr/bin/env python3
"""Check an archive package offline, without the server or its database:

    python3 scripts/verify_package.py PACKAGE.zip [--trusted-key KEY ...] [--origin NAME]
    python3 scripts/verify_package.py --write-standalone verify_package.py

Runs ``ledger/offline.py`` (no Django: the standard library and ``cryptography``). The second
form writes that verifier as one self-contained file to hand to a regulator.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.offline import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
