"""One finding model, many renderers: JSON (the contract), Markdown, SARIF, the rich
console, and the reviewer's HTML page (``html.py`` with ``templates/``)."""
