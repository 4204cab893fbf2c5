"""The book: executing the chapters (:mod:`.build`), the execution cache (:mod:`.cache`) and the import closure
of a chapter (:mod:`.imports`) that the cache keys on."""
