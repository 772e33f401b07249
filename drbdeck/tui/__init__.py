"""The Textual console application."""
