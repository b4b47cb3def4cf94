"""Demand: standard packs for sealed households, orders, shortage reports."""
