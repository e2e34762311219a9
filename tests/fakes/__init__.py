"""Fakes of the platforms Steady talks to, for end-to-end tests on loopback."""
