"""Ledgers (台账): enterprises, sites, products, standard packs, stock movements."""
