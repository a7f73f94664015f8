"""Vendor the pages' static assets from the npm registry: pinned, checked, committed.

Site networks and regulators' intranets have no CDN, so every script and stylesheet a page
loads is a file of the archive's own, served by WhiteNoise. This script is the only way those
files change: it downloads each package's tarball at the pinned version, checks it against
the registry's published SHA-512 integrity (the same check `npm ci` makes), and copies out
the few files the archive uses together with the package's licence.

    python scripts/vendor_assets.py           # write the files (after changing a pin)
    python scripts/vendor_assets.py --check   # fail if a committed file differs from its pin

To refresh a library: look up the new version's `dist.integrity` at
https://registry.npmjs.org/<name>/<version>, change its pin below, run the script, run the
browser tests (they load every page through axe-core), commit.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (package, version, integrity, {file in the tarball: where it goes in the repository})
ASSETS = [
    (
        # htmx 2: the stable line django-htmx documents; 4.0 changed attribute inheritance
        # and events and is not yet what the Django ecosystem is tested against.
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        {
            "package/dist/htmx.min.js": "static/vendor/htmx/htmx.min.js",
            "package/LICENSE": "static/vendor/htmx/LICENSE",
        },
    ),
    (
        # Pico: styles semantic HTML (forms, tables, navigation) legibly on a phone with
        # WCAG AA colours, so templates stay plain markup with few classes of our own.
        "@picocss/pico",
        "2.1.1",
        "sha512-kIDugA7Ps4U+2BHxiNHmvgPIQDWPDU4IeU6TNRdvXQM1uZX+FibqDQT2xUOnnO2yq/LUHcwnGlu1hvf4KfXnMg==",
        {
            "package/css/pico.min.css": "static/vendor/pico/pico.min.css",
            "package/LICENSE.md": "static/vendor/pico/LICENSE.md",
        },
    ),
    (
        # axe-core: the accessibility rules every browser test runs on every page. Only the
        # tests load it, so it is not a static file the archive serves.
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        {
            "package/axe.min.js": "tests/vendor/axe.min.js",
            "package/LICENSE": "tests/vendor/axe-LICENSE",
        },
    ),
]


def tarball(name: str, version: str, integrity: str) -> tarfile.TarFile:
    short = name.split("/")[-1]
    url = f"https://registry.npmjs.org/{name}/-/{short}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    algorithm, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: the tarball does not match its pinned integrity")
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    stale = []
    for name, version, integrity, files in ASSETS:
        archive = tarball(name, version, integrity)
        for member, target in files.items():
            content = archive.extractfile(member).read()
            path = ROOT / target
            if args.check:
                if not path.exists() or path.read_bytes() != content:
                    stale.append(target)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"{name}@{version}: {target} ({len(content):,} bytes)")
    if stale:
        print("differ from their pins:", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
