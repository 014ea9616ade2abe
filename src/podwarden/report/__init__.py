"""Reporters: a Result and the rules in, text or bytes out. Nothing here decides anything."""
