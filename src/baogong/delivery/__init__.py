"""Delivery: vehicles, routes, trips and proof of delivery."""
