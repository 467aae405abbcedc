#!/usr/bin/env bash
# Installs Debian's chromium and postgresql when missing (CI machines start without them).
set -euo pipefail
need=()
[[ -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]] || need+=(chromium)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
  echo "Installing ${need[*]} from Debian's packages…"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
