#!/usr/bin/env bash
# Install the Debian packages cluster-nlp needs, only those that are missing.
#   tesseract-ocr(-rus,-eng): OCR for pages without a usable text layer
#   fonts-dejavu-core/extra: the Cyrillic fonts the corpus renderer and PDF fixtures use
#   postgresql: the store tests run against a throw-away local server as well as SQLite
#   chromium: the review app's browser test (Playwright drives Debian's chromium)
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng fonts-dejavu-core fonts-dejavu-extra postgresql chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: apt-get not found; install by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
