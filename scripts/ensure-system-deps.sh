#!/usr/bin/env bash
# Installs Debian's chromium, postgresql, openssl, curl, jq, docker.io and busybox-static when missing (CI
# machines start without them; openssl makes the self-signed CA of the reconciler's in-cluster HTTPS test;
# README's Automation commands use curl and jq, and a test runs them; docker.io is the real engine of the
# Docker tests, PRODUCT.md §10; busybox-static is the shell of the locally made base image).
set -euo pipefail
need=()
[[ -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]] || need+=(chromium)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
# Only root can start a throwaway dockerd; elsewhere the Docker tests say they skip (never under CI=true).
if [[ $(id -u) -eq 0 || ${CI:-} == true ]]; then
  [[ -x /usr/sbin/dockerd && -x /usr/bin/docker ]] || need+=(docker.io)
  [[ -x /bin/busybox ]] || need+=(busybox-static)
fi
if ((${#need[@]})); then
  echo "Installing ${need[*]} from Debian's packages…"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
