#!/usr/bin/env bash
# Machine packages the project needs, installed with apt when missing (as root).
#   run:  gettext (compiled translations) and the TrueType fonts every PDF embeds
#         (storage/fonts.py): fonts-wqy-microhei, fonts-hanazono and fonts-babelstone-han
#         (every Han character of GB 18030-2022, Extensions A-F), fonts-dejavu-core (Latin)
#   test: the same, PostgreSQL server binaries (unless DATABASE_URL is given), Debian's
#         chromium for the Playwright browser tests (Playwright never downloads a browser),
#         poppler-utils (pdffonts, pdftoppm: the tests check fonts are embedded and
#         rare names render) and faketime (tests/ops/test_health.py runs a server whose
#         clock is off the database's)
set -euo pipefail
mode=${1:-run}
missing=()
command -v msgfmt >/dev/null || missing+=(gettext)
[ -n "${CJK_FONT_PATH:-}" ] || [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] \
  || missing+=(fonts-wqy-microhei)
if [ -z "${PDF_FALLBACK_FONTS:-}" ]; then
  [ -f /usr/share/fonts/truetype/hanazono/HanaMinB.ttf ] || missing+=(fonts-hanazono)
  [ -f /usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf ] || missing+=(fonts-babelstone-han)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
fi
if [ "$mode" = test ] && [ -z "${DATABASE_URL:-}" ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
    || missing+=(postgresql)
fi
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v pdffonts >/dev/null || missing+=(poppler-utils)
  command -v faketime >/dev/null || missing+=(faketime)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
