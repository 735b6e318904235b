"""dump-models: keep a repository's snapshot of LLM providers' model catalogs fresh."""

__version__ = "0.1.0"
