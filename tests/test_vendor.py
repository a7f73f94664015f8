"""The vendored static files are the ones scripts/vendor_assets.py took from the npm
registry at their pinned versions: each committed file's SHA-256 is the one the script
recorded (checked offline; `python scripts/vendor_assets.py --check` compares with npm)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vendor_script():
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "scripts/vendor_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_vendored_file_has_the_hash_the_script_recorded():
    script = vendor_script()
    targets = [target for *_pin, files in script.ASSETS for target in files.values()]
    assert sorted(targets) == sorted(script.FILE_SHA256), "a vendored file without a hash"
    differ = [
        target
        for target in targets
        if hashlib.sha256((ROOT / target).read_bytes()).hexdigest() != script.FILE_SHA256[target]
    ]
    assert not differ, f"changed since they were vendored: {differ}"


def test_every_file_under_static_vendor_came_from_the_script():
    script = vendor_script()
    on_disk = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "static/vendor").rglob("*")
        if path.is_file()
    }
    assert on_disk <= set(script.FILE_SHA256), on_disk - set(script.FILE_SHA256)


def test_the_scanner_library_is_pinned_with_its_licence():
    script = vendor_script()
    pins = {name: (version, files) for name, version, _integrity, files in script.ASSETS}
    version, files = pins["zxing-wasm"]
    assert version == "3.1.6"
    assert "static/vendor/zxing-wasm/LICENSE" in files.values()
    assert b"MIT License" in (ROOT / "static/vendor/zxing-wasm/LICENSE").read_bytes()
