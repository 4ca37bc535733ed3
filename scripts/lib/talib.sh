#!/usr/bin/env bash
# Installs the Python side of the indicator checks: TA-Lib (the PyPI wheel carries the C
# library, so nothing is downloaded at install time beyond the wheels) and numpy, for
# libs/quant/fixtures/make_talib_fixtures.py and benchmark P3. Idempotent: does nothing
# when the pinned TA-Lib is already importable.
set -euo pipefail

# The fixtures were generated with this version; keep them in step when changing it.
TALIB_VERSION=0.8.2

ensure_talib() {
  if python3 -c "import numpy, talib, sys; sys.exit(talib.__version__ != '$TALIB_VERSION')" 2>/dev/null; then
    return 0
  fi
  echo "installing TA-Lib $TALIB_VERSION and numpy"
  python3 -m pip install --quiet --disable-pip-version-check "TA-Lib==$TALIB_VERSION" "numpy>=1.26"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_talib
fi
