"""One spider per site family; each reads its sites from config.yaml."""
