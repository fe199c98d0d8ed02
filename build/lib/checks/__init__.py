"""seedcheck: a pytest-driven quality gate for corpora of scraped web articles."""

__version__ = "0.1.0"
TOOL_NAME = "seedcheck"
