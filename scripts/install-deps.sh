#!/usr/bin/env bash
# Installs the system packages pptpd-ts and its test suite use (Debian 12).
# Run as root. Idempotent: does nothing when everything is present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# command:package pairs — the servers the tests start on loopback, the tools
# the interop harness and the wtmp tests call.
pairs=(
  redis-server:redis-server freeradius:freeradius radclient:freeradius-utils
  slapd:slapd ldapsearch:ldap-utils qemu-system-x86_64:qemu-system-x86
  cpio:cpio jq:jq ip:iproute2 utmpdump:util-linux last:util-linux tcpdump:tcpdump
  python3:python3 make:make g++:g++
)
missing=()
for p in "${pairs[@]}"; do
  command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: system packages present"
