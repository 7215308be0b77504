#!/usr/bin/env bash
# Install the Debian packages listed in apt-packages.txt, unless they are already there at those versions.
# Needs root for apt-get; without root it only reports what is missing.
set -euo pipefail
list="${1:-apt-packages.txt}"
missing=()
while read -r spec; do
  [[ -z "$spec" || "$spec" == \#* ]] && continue
  name="${spec%%=*}"
  want=""
  [[ "$spec" == *=* ]] && want="${spec#*=}"
  have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)"
  if [[ -z "$have" || ( -n "$want" && "$have" != "$want" ) ]]; then
    missing+=("$spec")
  fi
done < "$list"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system packages: all present"
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "system packages missing (run as root, or install them yourself): ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
