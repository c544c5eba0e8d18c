"""Search: the n-gram position index, query parsing, ranking, KWIC and word statistics."""
