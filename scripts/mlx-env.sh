# Sourced by train_lora.sh, fuse.sh and quantize.sh: pick the interpreter and the BLAS.
#   PYTHON      interpreter with mlx-lm (default: $VIRTUAL_ENV/bin/python, else python3)
#   PUNIE_BLAS  path to a CBLAS library to LD_PRELOAD, or "reference" for MLX's bundled BLAS
#               (default on Linux: Debian's OpenBLAS when installed; ~30x faster fp32 matmuls)
if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then PYTHON="$VIRTUAL_ENV/bin/python"; else PYTHON=python3; fi
fi
if [ "$(uname -s)" = "Linux" ] && [ "${PUNIE_BLAS:-}" != "reference" ]; then
  _blas="${PUNIE_BLAS:-}"
  if [ -z "$_blas" ]; then
    for _cand in /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 \
                 /usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0; do
      if [ -f "$_cand" ]; then _blas="$_cand"; break; fi
    done
  fi
  if [ -n "$_blas" ]; then
    case ":${LD_PRELOAD:-}:" in *":$_blas:"*) ;; *) export LD_PRELOAD="$_blas${LD_PRELOAD:+:$LD_PRELOAD}" ;; esac
  fi
fi

# usage_error MESSAGE: one line on stderr, exit 2
usage_error() { echo "$(basename "$0"): error: $1" >&2; exit 2; }

# run CMD...: print the command, then replace the shell with it
run() { echo "+ $*" >&2; exec "$@"; }
