"""Regions: city > district > subdistrict/town > community > compound; hand-off points; zones."""
