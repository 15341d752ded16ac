"""Entity extraction: spaCy pipelines, and the gazetteers and normalisers behind them."""
