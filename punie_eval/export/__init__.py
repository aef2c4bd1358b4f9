"""Exports of one run for other tools.

    inspect_log.py   an Inspect AI eval log (``inspect view`` browses it), with inspect_ai's own types and writer
    table.py         a CSV file, one row per query outcome (the history's outcome rows plus the texts)

inspect_ai is optional (``pip install 'punie-eval[inspect]'``) and imported only by the Inspect export.
"""
