"""The why em works page."""
