"""Near-duplicate detection: similarity maths, the LSH index and clusters, the canonical rule."""
