"""Turning regulation files into article-level passages (independent of the target index)."""
