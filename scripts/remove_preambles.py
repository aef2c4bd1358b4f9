"""The seed's planned fix: remove all text before <tool_call> in assistant messages, nothing else.

    python scripts/remove_preambles.py IN_DIR OUT_DIR [--force]

A thin wrapper over ``punie-eval clean IN_DIR OUT_DIR --only preambles``.
"""

from __future__ import annotations

import sys

from punie_eval.cli import main

if __name__ == "__main__":
    sys.exit(main(["clean", *sys.argv[1:], "--only", "preambles"]))
