"""Workforce: volunteer and liaison teams, volunteers, shifts, inspections."""
