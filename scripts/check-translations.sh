#!/usr/bin/env bash
# Fails when a message a person reads has no Chinese translation (or only a fuzzy one).
# Regenerates the catalogue from the code first, so a new untranslated string is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
  --no-obsolete --no-location -v 0
po=locale/zh_Hans/LC_MESSAGES/django.po
untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
# msgattrib prints the header entry (msgid "") when it prints anything at all.
if [ "$untranslated" -gt 1 ] || [ "$fuzzy" -gt 1 ]; then
  echo "Chinese translations missing in $po:" >&2
  msgattrib --untranslated --no-obsolete "$po" | grep -A1 '^msgid ' | grep -v '^--' >&2 || true
  msgattrib --only-fuzzy --no-obsolete "$po" | grep -A1 '^msgid ' | grep -v '^--' >&2 || true
  echo "Translate them (make messages, then edit $po) and commit the file." >&2
  exit 1
fi
.venv/bin/python manage.py compilemessages --ignore=.venv -v 0
echo "translations: complete"
