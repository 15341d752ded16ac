"""Document classification by the taxonomy: models, the keyword baseline, evidence, metrics."""
