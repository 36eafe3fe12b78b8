"""Test data: the generated corpus of bad and awkward uploads."""
