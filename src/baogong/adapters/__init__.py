"""Adapters to outside systems (Excel, webhooks, road distances), each behind a Protocol."""
