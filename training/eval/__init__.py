"""Evaluation: per-task metrics, the XGBoost token-histogram baseline and chance."""
