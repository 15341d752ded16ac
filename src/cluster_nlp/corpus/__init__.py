"""Tooling for the labelled corpus: schema, markdown sources, PDF rendering, merge and check."""
