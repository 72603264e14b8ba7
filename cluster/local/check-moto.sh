#!/usr/bin/env bash
# moto_server is the local AWS (S3, RDS) the tests and the sandbox use.
set -euo pipefail
if command -v moto_server >/dev/null 2>&1 && python3 -c 'import moto' 2>/dev/null; then
  exit 0
fi
echo "moto_server (moto 5.2.1) is missing: it is the local AWS that tests and the sandbox need." >&2
echo "Trying: pip install 'moto[server]==5.2.1'" >&2
if python3 -m pip install --quiet 'moto[server]==5.2.1' && command -v moto_server >/dev/null 2>&1; then
  exit 0
fi
echo "Could not install moto. Install it by hand: pip install 'moto[server]==5.2.1'" >&2
exit 1
