#!/usr/bin/env bash
# Fails when a message a person reads has no Chinese translation (or only a fuzzy one).
# Regenerates the catalogues from the code first, so a new untranslated string is caught.
# Each app keeps its own catalogue (<app>/locale); config/ and templates/ use locale/.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
  --ignore=tests --ignore=bench --no-obsolete --no-location -v 0
status=0
for po in locale/zh_Hans/LC_MESSAGES/django.po */locale/zh_Hans/LC_MESSAGES/django.po; do
  [ -f "$po" ] || continue
  # msgattrib prints the header entry (msgid "") whenever it prints anything at all.
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  if [ "$untranslated" -gt 1 ] || [ "$fuzzy" -gt 1 ]; then
    echo "Chinese translations missing in $po:" >&2
    msgattrib --untranslated --no-obsolete "$po" | grep '^msgid ' | grep -v '^msgid ""$' >&2 || true
    msgattrib --only-fuzzy --no-obsolete "$po" | grep '^msgid ' | grep -v '^msgid ""$' >&2 || true
    status=1
  fi
done
if [ $status -ne 0 ]; then
  echo "Translate them (make messages, then edit the .po files) and commit them." >&2
  exit 1
fi
.venv/bin/python manage.py compilemessages --ignore=.venv -v 0
echo "translations: complete"
