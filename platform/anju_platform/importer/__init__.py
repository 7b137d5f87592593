"""Bulk register import from CSV files or an .xlsx workbook."""
