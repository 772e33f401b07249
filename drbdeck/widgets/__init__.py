"""Reusable Textual widgets for the console."""
