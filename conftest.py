"""Root conftest: intentionally empty.

The punie-eval pytest plugin is registered once, by the ``pytest11`` entry point in
pyproject.toml (``punie_eval.plugin``); registering it here again would fail with
"Plugin already registered".
"""
