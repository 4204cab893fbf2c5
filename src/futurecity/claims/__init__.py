"""The claims engine: the ledger (``data/claims.yml``), the rules that judge a recomputed value, the registry of
measures that topics fill, and the evaluation. It imports no topic: a topic registers its measures with
:func:`futurecity.claims.measures.measure`, and the ledger names them."""
