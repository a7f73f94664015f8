"""Vendor the pages' static assets from the npm registry: pinned, checked, committed.

Site networks and regulators' intranets have no CDN, so every script and stylesheet a page
loads is a file of the archive's own, served by WhiteNoise. This script is the only way those
files change: it downloads each package's tarball at the pinned version, checks it against
the registry's published SHA-512 integrity (the same check `npm ci` makes), and copies out
the few files the archive uses together with the package's licence.

    python scripts/vendor_assets.py           # write the files (after changing a pin)
    python scripts/vendor_assets.py --check   # fail if a committed file differs from its pin

To refresh a library: look up the new version's `dist.integrity` at
https://registry.npmjs.org/<name>/<version> (`npm view <name>@<version> dist.integrity`),
change its pin below, run the script: it names each file whose SHA-256 is not yet in
FILE_SHA256; record those hashes, run it again, run the browser tests (they load every page
through axe-core), commit.
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
    (
        # zxing-wasm: the scanner of location labels (QR) and batch labels (GS1-128, GS1
        # DataMatrix/QR, EAN) where the browser has no BarcodeDetector (desktop Chromium,
        # Firefox, Safari). It is zxing-cpp, the actively developed ZXing, compiled to
        # WebAssembly: 38 kB of script and a 0.9 MB module fetched only when a photo is
        # decoded. jsQR reads QR only and is unmaintained since 2020; @zxing/library is the
        # older JavaScript port, in maintenance mode, and weaker on 1-D GS1 codes.
        "zxing-wasm",
        "3.1.6",
        "sha512-mU7UNuvl+hOT+nlSOQTMHZ2tM8lRMsbjDIp5IO/+HmBl/FOq77q0OSZPJ3cm42A9c1MKU6Uve67FiGdkhsrT9g==",
        {
            "package/dist/iife/reader/index.js": "static/vendor/zxing-wasm/zxing-reader.min.js",
            "package/dist/reader/zxing_reader.wasm": "static/vendor/zxing-wasm/zxing_reader.wasm",
            "package/LICENSE": "static/vendor/zxing-wasm/LICENSE",
        },
    ),
]

# The SHA-256 of every vendored file, as this script last wrote it: tests/test_vendor.py
# checks the committed files against it without the network, so a hand edit of a vendored
# file fails the suite. The script refuses to write a file whose hash is not listed here.
# The table is `sha256sum` output: `sha256sum -c` checks it too.
FILE_SHA256 = {
    target: digest
    for digest, target in (
        line.split()
        for line in """
d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717  static/vendor/htmx/htmx.min.js
d3d2456f76414f2456104660ebd65aff1c04cd7966b942bdabd63f3cdb316a38  static/vendor/htmx/LICENSE
fbc9a63fc9fc9f72d12fd7fc9806e11fa9f77ae4f9cad146b27003a1119ba3db  static/vendor/pico/pico.min.css
afaff063e044233f917b7807dccab022f09dca474f92b642846bee4850655bbf  static/vendor/pico/LICENSE.md
29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c  tests/vendor/axe.min.js
af175b9d96ee93c21a036152e1b905b0b95304d4ae8c2c921c7609100ba8df7e  tests/vendor/axe-LICENSE
ffd72d59d54082194f7c086b384dcd930bdeb0c5b39fbb13779694e69bb0d344  static/vendor/zxing-wasm/zxing-reader.min.js
5003fb4b88c4fbd1fd518a2fd8c8ad365c519e183a08c03a322dddfea3cea84e  static/vendor/zxing-wasm/zxing_reader.wasm
fb506e4ade12d7a9efa67c9d76a9a28c8e15d347ca49a69e48e29b40b34ad2ab  static/vendor/zxing-wasm/LICENSE
""".strip().splitlines()
    )
}


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
            digest = hashlib.sha256(content).hexdigest()
            if FILE_SHA256.get(target) != digest:
                # A new pin: record the new hash in FILE_SHA256 once the tarball is trusted.
                stale.append(f"{target} (sha256 {digest} is not the one in FILE_SHA256)")
                continue
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
