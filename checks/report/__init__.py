"""One finding model, many renderers: JSON (the contract), Markdown, SARIF, rich
console and its HTML export."""
