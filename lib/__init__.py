"""Plain-Python building blocks (no ORM): HTTP client, errors, webhook checks, GIDs, topic registry.

Keeping these free of Odoo makes them testable on their own and reusable by the demo sandbox.
"""
