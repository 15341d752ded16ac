"""cluster-nlp: documents about AI and innovation clusters into tagged, reviewable data."""
