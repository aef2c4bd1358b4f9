"""The tiny reference model: tokenizer, architecture, training, quantizing, the build pipeline.

Modules import mlx / mlx_lm / tokenizers inside functions only; call
:func:`punie_eval.generation.blas.load_fast_blas` before any of them runs.
"""
