"""Ledgers as Excel workbooks: the template, import (messy sheets welcome) and export."""
