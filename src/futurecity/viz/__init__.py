"""Chart helpers: theme and renderer (:mod:`.theme`), controls (:mod:`.controls`), claim badges
(:mod:`.badges`) and the compact form in which a chart embeds its data (:mod:`.embed`)."""
