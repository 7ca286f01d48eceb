"""Domain rules as plain functions and classes: no Flask request, no FAB view."""
