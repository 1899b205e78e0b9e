"""Reporters turn a Report into text for people and machines."""
