"""Steady's voice: the facts of a moment, the rules, the message library, and what each person
has seen."""
