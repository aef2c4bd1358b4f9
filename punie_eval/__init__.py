"""punie-eval: a pytest-native evaluation and regression suite for small tool-calling LLMs."""

__version__ = "0.1.0"
