"""Learned speech codes: a small neural codec (`model`) and its task (`task`)."""
