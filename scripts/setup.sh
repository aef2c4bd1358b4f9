#!/usr/bin/env bash
# Set up a fresh machine: .venv with punie-eval (editable) and its dev tools, plus, on Linux
# with apt and root, Debian's OpenBLAS (the mlx[cpu] wheel's bundled BLAS is ~30x slower).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" = "Linux" ] && ! ls /usr/lib/*/openblas-pthread/libopenblas.so.0 >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    { apt-get update -qq && apt-get install -y -qq libopenblas0-pthread >/dev/null; } \
      || echo "setup: could not install libopenblas0-pthread; MLX will use its slow bundled BLAS" >&2
  else
    echo "setup: no OpenBLAS (apt-get install libopenblas0-pthread as root for ~30x faster CPU matmuls)" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=25.1"
.venv/bin/python -m pip install -q -e . --group dev
