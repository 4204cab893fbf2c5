"""Chapters' thin entry points. Each module opens one chapter: ``open(vintage, live)`` loads every input once,
evaluates only that chapter's claims, and returns an object holding the facts its prose quotes (glued in one call)
and one method per figure its notebook shows."""
