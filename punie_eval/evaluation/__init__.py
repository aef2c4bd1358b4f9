"""The pytest-free evaluation core: ``evaluate()`` runs a suite on a target; ``conclude()`` ends a run."""
