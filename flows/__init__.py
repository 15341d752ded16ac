"""Prefect flows over the cluster_nlp library: thin wiring, settings, artifacts."""
