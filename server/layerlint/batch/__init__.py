"""`layerlint check` over many files: which files (`discover`), in parallel processes
(`parallel`), what is cached between runs (`cache`), and how results are printed (`report`)."""
