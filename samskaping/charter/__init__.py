"""The charter (samarbeidsavtale, forankring): versions, acceptance, questions."""
