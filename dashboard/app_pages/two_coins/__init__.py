"""The Two coins page."""
