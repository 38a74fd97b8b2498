helpers:
