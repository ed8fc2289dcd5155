"""Typed ComponentResources for the Tasking Manager stacks, and the settings they consume."""
