"""futurecity: the data, analysis and charts behind the interactive edition of
Jones & Henderson, "Industry 4.0 and Value Creation in the Future City"."""

__version__ = "0.1.0"
